//! Small text forms (sign-in, first-run setup, new user, user filter, provider
//! connections): fields, which one has focus, editing, and the error line.
//! Drawing lives in [`super::widgets::form`].

use spotter_proto::v1::SignInMethod;

use crate::secret::Secret;

/// What a field is for; forms look values up by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldId {
    Method,
    Username,
    Password,
    Confirm,
    SetupCode,
    Query,
    /// A provider's user token (ListenBrainz).
    Token,
    /// The address a browser was sent to after approving (Spotify).
    RedirectUrl,
    /// The history browser's filters and jump.
    Artist,
    Album,
    Title,
    Source,
    From,
    To,
    Date,
    /// The file to import, and its format.
    Path,
    Format,
    /// A playlist's name.
    Name,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Plain(String),
    /// Drawn as one `•` per character, never as text.
    Masked(Secret),
    /// Drawn as text so it can be checked after pasting, yet kept as a secret
    /// (redacted in `Debug`, wiped on drop): a pasted address carrying a one-time
    /// code.
    Revealed(Secret),
    /// Local or Navidrome.
    Method(SignInMethod),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub id: FieldId,
    pub label: &'static str,
    pub value: FieldValue,
    /// Hidden fields are neither drawn nor focused (the confirmation when signing
    /// up through Navidrome, whose password is not being chosen here).
    pub hidden: bool,
}

/// Longest value a field accepts: generous for any username or password, small
/// enough that a stuck key cannot grow the state without bound.
pub const MAX_FIELD_CHARS: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last attempt failed (or why the user is here), shown in the form.
    pub error: Option<String>,
    /// A neutral note ("Signed out."), shown where the error would be.
    pub info: Option<String>,
    /// A submission is with the daemon; further submits are ignored.
    pub busy: bool,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Self {
        let mut form = Form {
            fields,
            focus: 0,
            error: None,
            info: None,
            busy: false,
        };
        // Start where the typing starts: the method keeps its default until chosen.
        form.focus = form
            .fields
            .iter()
            .position(|f| !matches!(f.value, FieldValue::Method(_)))
            .unwrap_or(0);
        form
    }

    pub fn plain(id: FieldId, label: &'static str) -> Field {
        Field {
            id,
            label,
            value: FieldValue::Plain(String::new()),
            hidden: false,
        }
    }

    pub fn masked(id: FieldId, label: &'static str) -> Field {
        Field {
            id,
            label,
            value: FieldValue::Masked(Secret::default()),
            hidden: false,
        }
    }

    pub fn revealed(id: FieldId, label: &'static str) -> Field {
        Field {
            id,
            label,
            value: FieldValue::Revealed(Secret::default()),
            hidden: false,
        }
    }

    pub fn method() -> Field {
        Field {
            id: FieldId::Method,
            label: "Method",
            value: FieldValue::Method(SignInMethod::Local),
            hidden: false,
        }
    }

    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }

    pub fn field(&self, id: FieldId) -> Option<&Field> {
        self.fields.iter().find(|f| f.id == id)
    }

    fn field_mut(&mut self, id: FieldId) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.id == id)
    }

    /// A plain field's text ("" when absent).
    pub fn text(&self, id: FieldId) -> String {
        match self.field(id).map(|f| &f.value) {
            Some(FieldValue::Plain(text)) => text.clone(),
            _ => String::new(),
        }
    }

    /// A masked or revealed field's secret (empty when absent).
    pub fn secret(&self, id: FieldId) -> Secret {
        match self.field(id).map(|f| &f.value) {
            Some(FieldValue::Masked(secret) | FieldValue::Revealed(secret)) => secret.clone(),
            _ => Secret::default(),
        }
    }

    /// The chosen method; Local when the form has no method field.
    pub fn method_choice(&self) -> SignInMethod {
        match self.field(FieldId::Method).map(|f| &f.value) {
            Some(FieldValue::Method(method)) => *method,
            _ => SignInMethod::Local,
        }
    }

    pub fn set_text(&mut self, id: FieldId, text: &str) {
        if let Some(field) = self.field_mut(id) {
            field.value = FieldValue::Plain(text.to_owned());
        }
    }

    /// Empties a field (a masked one stays masked).
    pub fn clear(&mut self, id: FieldId) {
        if let Some(field) = self.field_mut(id) {
            match &mut field.value {
                FieldValue::Plain(text) => text.clear(),
                FieldValue::Masked(secret) | FieldValue::Revealed(secret) => {
                    *secret = Secret::default();
                }
                FieldValue::Method(_) => {}
            }
        }
    }

    pub fn set_hidden(&mut self, id: FieldId, hidden: bool) {
        if let Some(field) = self.field_mut(id) {
            field.hidden = hidden;
        }
    }

    pub fn focus_on(&mut self, id: FieldId) {
        if let Some(i) = self.fields.iter().position(|f| f.id == id && !f.hidden) {
            self.focus = i;
        }
    }

    /// Moves focus forwards (or backwards), wrapping, skipping hidden fields.
    pub fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        for step in 1..=n {
            let i = if forward {
                (self.focus + step) % n
            } else {
                (self.focus + n - step % n) % n
            };
            if !self.fields[i].hidden {
                self.focus = i;
                return;
            }
        }
    }

    /// Types a character into the focused field. On the method field a space
    /// switches the method instead.
    pub fn type_char(&mut self, c: char) {
        let Some(field) = self.fields.get_mut(self.focus) else {
            return;
        };
        match &mut field.value {
            FieldValue::Plain(text) if text.chars().count() < MAX_FIELD_CHARS => text.push(c),
            FieldValue::Masked(secret) | FieldValue::Revealed(secret)
                if secret.char_count() < MAX_FIELD_CHARS =>
            {
                secret.push(c)
            }
            FieldValue::Method(_) if c == ' ' => self.switch_method(),
            _ => {}
        }
    }

    pub fn delete_char(&mut self) {
        if let Some(field) = self.fields.get_mut(self.focus) {
            match &mut field.value {
                FieldValue::Plain(text) => {
                    text.pop();
                }
                FieldValue::Masked(secret) | FieldValue::Revealed(secret) => secret.pop(),
                FieldValue::Method(_) => {}
            }
        }
    }

    /// Flips Local/Navidrome when the method field has focus.
    pub fn switch_method(&mut self) {
        if let Some(Field {
            value: FieldValue::Method(method),
            ..
        }) = self.fields.get_mut(self.focus)
        {
            *method = match method {
                SignInMethod::Navidrome => SignInMethod::Local,
                _ => SignInMethod::Navidrome,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_in_like() -> Form {
        Form::new(vec![
            Form::method(),
            Form::plain(FieldId::Username, "Username"),
            Form::masked(FieldId::Password, "Password"),
        ])
    }

    #[test]
    fn focus_starts_on_the_first_text_field_and_wraps() {
        let mut form = sign_in_like();
        assert_eq!(form.focused().unwrap().id, FieldId::Username);
        form.move_focus(true);
        form.move_focus(true);
        assert_eq!(form.focused().unwrap().id, FieldId::Method);
        form.move_focus(false);
        assert_eq!(form.focused().unwrap().id, FieldId::Password);
    }

    #[test]
    fn hidden_fields_are_skipped() {
        let mut form = sign_in_like();
        form.set_hidden(FieldId::Password, true);
        form.move_focus(true);
        assert_eq!(form.focused().unwrap().id, FieldId::Method);
    }

    #[test]
    fn typing_edits_the_focused_field_and_space_switches_the_method() {
        let mut form = sign_in_like();
        for c in "ann".chars() {
            form.type_char(c);
        }
        form.delete_char();
        form.move_focus(true);
        form.type_char('p');
        assert_eq!(form.text(FieldId::Username), "an");
        assert_eq!(form.secret(FieldId::Password).expose(), "p");
        form.focus_on(FieldId::Method);
        form.type_char(' ');
        assert_eq!(form.method_choice(), SignInMethod::Navidrome);
        form.switch_method();
        assert_eq!(form.method_choice(), SignInMethod::Local);
    }

    #[test]
    fn revealed_secrets_edit_like_text_but_stay_out_of_debug() {
        let mut form = Form::new(vec![Form::revealed(FieldId::RedirectUrl, "Pasted URL")]);
        for c in "http://x/?code=abc1".chars() {
            form.type_char(c);
        }
        form.delete_char();
        assert_eq!(
            form.secret(FieldId::RedirectUrl).expose(),
            "http://x/?code=abc"
        );
        assert!(!format!("{form:?}").contains("code=abc"));
        form.clear(FieldId::RedirectUrl);
        assert!(form.secret(FieldId::RedirectUrl).is_empty());
    }

    #[test]
    fn passwords_stay_out_of_debug() {
        let mut form = sign_in_like();
        form.focus_on(FieldId::Password);
        for c in "s3cret-pw".chars() {
            form.type_char(c);
        }
        assert!(!format!("{form:?}").contains("s3cret-pw"));
    }
}
