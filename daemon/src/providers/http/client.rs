//! [`HttpClient`]: the hardened client itself — policy checks, the filtering resolver,
//! manual redirects, capped bodies, deadlines and retries.

use std::{
    error::Error as StdError,
    fmt,
    net::SocketAddr,
    sync::Arc,
    time::{Duration, SystemTime},
};

use backon::Retryable;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use ipnet::IpNet;
use reqwest::{
    Client, Method, StatusCode, Url,
    dns::{Addrs, Name, Resolve, Resolving},
    header::{self, HeaderMap, HeaderName, HeaderValue},
    redirect,
};
use serde::{Serialize, de::DeserializeOwned};
use tokio::time::Instant;

use super::{
    AddressClass, BodyError, DEFAULT_BODY_LIMIT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
    HttpError, MAX_REDIRECTS, Policy, RETRYABLE_STATUSES, RetryPolicy, Trust, USER_AGENT,
    policy::{check_address, check_url_shape, host_for_log, literal_ip, same_origin},
    read_body_capped, requested_wait, sanitize_for_log, transport_detail, url_for_log,
};

/// Longest content type kept in an error.
const MAX_CONTENT_TYPE_CHARS: usize = 80;

/// What happens to a 3xx answer with a `Location`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redirects {
    /// Followed hop by hop, each hop re-validated against the policy, at most
    /// `max_hops` times ([`HttpError::TooManyRedirects`] after that).
    Follow { max_hops: usize },
    /// Returned to the caller as the response (for servers that should never
    /// redirect, such as a Subsonic API).
    NotFollowed,
}

impl Default for Redirects {
    fn default() -> Self {
        Redirects::Follow {
            max_hops: MAX_REDIRECTS,
        }
    }
}

/// Builds an [`HttpClient`] for one provider.
#[derive(Debug, Clone)]
pub struct HttpClientBuilder {
    policy: Policy,
    connect_timeout: Duration,
    timeout: Duration,
    body_limit: usize,
    redirects: Redirects,
    retry: RetryPolicy,
    allowed_networks: Vec<IpNet>,
    rate_limit: Option<Quota>,
    extra_roots: Vec<reqwest::Certificate>,
}

impl HttpClientBuilder {
    pub fn new(policy: Policy) -> Self {
        HttpClientBuilder {
            policy,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            body_limit: DEFAULT_BODY_LIMIT,
            redirects: Redirects::default(),
            retry: RetryPolicy::default(),
            allowed_networks: Vec::new(),
            rate_limit: None,
            extra_roots: Vec::new(),
        }
    }

    /// Time allowed to connect (TCP + TLS). Never longer than the total timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Deadline of one attempt: connect, every redirect hop, headers and the whole
    /// body. Retries get a fresh deadline each.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Default cap for response bodies (per request: [`RequestBuilder::body_limit`]).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = limit;
        self
    }

    pub fn redirects(mut self, redirects: Redirects) -> Self {
        self.redirects = redirects;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Operator setting: networks an untrusted URL may reach although they are not
    /// public (say, an image mirror on the LAN). Empty by default; it overrides the
    /// address check for exactly these networks, metadata included, so keep it narrow.
    pub fn allow_networks(mut self, networks: impl IntoIterator<Item = IpNet>) -> Self {
        self.allowed_networks.extend(networks);
        self
    }

    /// At most `quota` requests (every attempt and hop counts) from this client.
    pub fn rate_limit(mut self, quota: Quota) -> Self {
        self.rate_limit = Some(quota);
        self
    }

    /// Operator setting: extra trusted root certificates (PEM bundle), added to the
    /// built-in roots, for a private mirror or a TLS-intercepting proxy.
    pub fn add_root_certificates_pem(mut self, pem: &[u8]) -> Result<Self, HttpError> {
        let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
            HttpError::Build(format!(
                "invalid PEM certificate bundle: {}",
                transport_detail(&e)
            ))
        })?;
        if certs.is_empty() {
            return Err(HttpError::Build(
                "the PEM bundle holds no certificate".into(),
            ));
        }
        self.extra_roots.extend(certs);
        Ok(self)
    }

    pub fn build(self) -> Result<HttpClient, HttpError> {
        let connect_timeout = self.connect_timeout.min(self.timeout);
        let allowed: Arc<[IpNet]> = self.allowed_networks.into();
        let guarded = reqwest_client(connect_timeout, self.timeout)
            .tls_certs_merge(self.extra_roots.clone())
            .dns_resolver(GuardedResolver {
                allowed: allowed.clone(),
            })
            .build()
            .map_err(|e| HttpError::Build(transport_detail(&e)))?;
        let trusted = match self.policy.trust() {
            Trust::OperatorConfigured => Some(
                reqwest_client(connect_timeout, self.timeout)
                    .tls_certs_merge(self.extra_roots.clone())
                    .build()
                    .map_err(|e| HttpError::Build(transport_detail(&e)))?,
            ),
            Trust::Untrusted => None,
        };
        Ok(HttpClient {
            inner: Arc::new(Inner {
                policy: self.policy,
                timeout: self.timeout,
                body_limit: self.body_limit,
                redirects: self.redirects,
                retry: self.retry,
                allowed,
                trusted,
                guarded,
                limiter: self.rate_limit.map(RateLimiter::direct),
            }),
        })
    }
}

/// The settings every outbound `reqwest::Client` shares: no automatic redirects, no
/// proxies from the environment, no `Referer`, spotter's User-Agent, rustls.
fn reqwest_client(connect_timeout: Duration, timeout: Duration) -> reqwest::ClientBuilder {
    Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(connect_timeout)
        .timeout(timeout)
        .redirect(redirect::Policy::none())
        .referer(false)
        .no_proxy()
}

/// The hardened client of one provider. Cheap to clone (clones share connection
/// pools and the rate limiter). Providers never build a `reqwest::Client` themselves.
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    policy: Policy,
    timeout: Duration,
    body_limit: usize,
    redirects: Redirects,
    retry: RetryPolicy,
    allowed: Arc<[IpNet]>,
    /// System resolver; only for operator-trusted hops (inside the pinned base).
    trusted: Option<Client>,
    /// Resolves through [`GuardedResolver`]: only for untrusted hops.
    guarded: Client,
    limiter: Option<DefaultDirectRateLimiter>,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("HttpClient")
            .field("base", &i.policy.base().map(url_for_log))
            .field("trust", &i.policy.trust())
            .field("timeout", &i.timeout)
            .field("body_limit", &i.body_limit)
            .field("redirects", &i.redirects)
            .field("retry", &i.retry)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    pub fn builder(policy: Policy) -> HttpClientBuilder {
        HttpClientBuilder::new(policy)
    }

    pub fn policy(&self) -> &Policy {
        &self.inner.policy
    }

    /// `relative` resolved against the pinned base; refused if it escapes the base.
    pub fn endpoint(&self, relative: &str) -> Result<Url, HttpError> {
        let base = self.inner.policy.base().ok_or(HttpError::InvalidRequest {
            detail: "this client has no base URL".into(),
        })?;
        let url = base.join(relative).map_err(|_| HttpError::InvalidUrl {
            reason: "the endpoint does not form a URL",
        })?;
        self.inner.policy.check_request(&url)?;
        Ok(url)
    }

    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::GET, url)
    }

    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(Method::POST, url)
    }

    pub fn request(&self, method: Method, url: impl AsRef<str>) -> RequestBuilder {
        // Checked before reqwest sees the URL: it would turn user info into an
        // `Authorization` header.
        let inner = Url::parse(url.as_ref())
            .map_err(|_| HttpError::InvalidUrl {
                reason: "not an absolute URL",
            })
            .and_then(|url| check_url_shape(&url).map(|()| url))
            .map(|url| self.inner.guarded.request(method, url));
        RequestBuilder {
            client: self.clone(),
            inner,
            body_limit: None,
            timeout: None,
            expect_image: false,
        }
    }

    /// An image: `GET`, followed redirects, a success status and an `image/*`
    /// content type (checked before the body is read), body capped.
    pub async fn get_image(
        &self,
        url: impl AsRef<str>,
        limit: usize,
    ) -> Result<HttpResponse, HttpError> {
        self.get(url)
            .expect_image()
            .body_limit(limit)
            .send()
            .await?
            .error_for_status()
    }

    async fn execute(&self, prepared: Prepared) -> Result<HttpResponse, HttpError> {
        let trust = self.inner.policy.check_request(&prepared.url)?;
        let retry = if matches!(prepared.method, Method::GET | Method::HEAD) {
            self.inner.retry
        } else {
            RetryPolicy::none()
        };
        let cap = retry.retry_after_cap;
        let outcome = if retry.max_attempts > 1 {
            (|| self.attempt(&prepared, trust))
                .retry(retry.backoff())
                .when(Attempt::is_retryable)
                .adjust(|attempt, backoff| {
                    let backoff = backoff?;
                    match attempt.requested_wait() {
                        Some(wait) if wait > cap => None,
                        Some(wait) => Some(wait),
                        None => Some(backoff),
                    }
                })
                .notify(|attempt, wait| {
                    tracing::debug!(
                        url = %url_for_log(&prepared.url),
                        reason = %attempt,
                        wait_ms = wait.as_millis() as u64,
                        "retrying outbound request"
                    );
                })
                .await
        } else {
            self.attempt(&prepared, trust).await
        };
        match outcome {
            Ok(response) => Ok(response),
            Err(Attempt::Failed(e)) => {
                tracing::debug!(url = %url_for_log(&prepared.url), error = %e, "outbound request failed");
                Err(e)
            }
            Err(Attempt::Retryable { response, wait }) => match wait {
                Some(wait) if wait > cap => Err(HttpError::RateLimited {
                    status: response.status.as_u16(),
                    wait,
                }),
                _ => Ok(*response),
            },
        }
    }

    /// One attempt: every hop and the body under one deadline.
    async fn attempt(&self, prepared: &Prepared, trust: Trust) -> Result<HttpResponse, Attempt> {
        let timeout = prepared.timeout.unwrap_or(self.inner.timeout);
        let deadline = Instant::now() + timeout;
        tokio::time::timeout_at(deadline, self.follow(prepared, trust, deadline))
            .await
            .unwrap_or(Err(Attempt::Failed(HttpError::Timeout)))
    }

    async fn follow(
        &self,
        prepared: &Prepared,
        mut trust: Trust,
        deadline: Instant,
    ) -> Result<HttpResponse, Attempt> {
        let max_hops = match self.inner.redirects {
            Redirects::Follow { max_hops } => Some(max_hops),
            Redirects::NotFollowed => None,
        };
        let mut url = prepared.url.clone();
        let mut method = prepared.method.clone();
        let mut headers = prepared.headers.clone();
        let mut body = prepared.body.clone();
        let mut hop = 0usize;
        loop {
            let client = self.client_for(&url, trust)?;
            if let Some(limiter) = &self.inner.limiter {
                limiter.until_ready().await;
            }
            tracing::debug!(
                method = %method,
                url = %url_for_log(&url),
                hop,
                trust = ?trust,
                "outbound request"
            );
            let mut request = reqwest::Request::new(method.clone(), url.clone());
            *request.headers_mut() = headers.clone();
            *request.body_mut() = body.clone().map(reqwest::Body::from);
            *request.timeout_mut() = Some(deadline.saturating_duration_since(Instant::now()));
            let response = client
                .execute(request)
                .await
                .map_err(|e| Attempt::Failed(map_transport_error(&e)))?;
            let status = response.status();

            if let (Some(max_hops), true) = (max_hops, is_followed_redirect(status)) {
                let Some(location) = response.headers().get(header::LOCATION) else {
                    // A 3xx without a target is just an answer.
                    return self.finish(response, prepared, url).await;
                };
                if hop >= max_hops {
                    return Err(Attempt::Failed(HttpError::TooManyRedirects {
                        max: max_hops,
                    }));
                }
                let next = redirect_target(&url, location)?;
                trust = self.inner.policy.hop_trust(trust, &next);
                if !same_origin(&url, &next) {
                    strip_credentials(&mut headers);
                }
                let switch_to_get = status == StatusCode::SEE_OTHER && method != Method::HEAD
                    || matches!(status, StatusCode::MOVED_PERMANENTLY | StatusCode::FOUND)
                        && method == Method::POST;
                if switch_to_get {
                    method = Method::GET;
                    body = None;
                    for h in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
                        headers.remove(h);
                    }
                }
                tracing::debug!(
                    status = status.as_u16(),
                    from = %url_for_log(&url),
                    to = %url_for_log(&next),
                    trust = ?trust,
                    "following redirect"
                );
                drop(response);
                url = next;
                hop += 1;
                continue;
            }
            return self.finish(response, prepared, url).await;
        }
    }

    /// The final answer of a hop chain: content type check, capped body, and whether
    /// it asks for a retry.
    async fn finish(
        &self,
        response: reqwest::Response,
        prepared: &Prepared,
        url: Url,
    ) -> Result<HttpResponse, Attempt> {
        let status = response.status();
        let retryable = RETRYABLE_STATUSES.contains(&status);
        let wait = retryable
            .then(|| requested_wait(status, response.headers(), SystemTime::now()))
            .flatten();
        if prepared.expect_image && status.is_success() {
            check_image_content_type(response.headers()).map_err(Attempt::Failed)?;
        }
        let headers = response.headers().clone();
        let limit = prepared.body_limit.unwrap_or(self.inner.body_limit);
        let body = read_body_capped(response, limit)
            .await
            .map_err(|e| Attempt::Failed(e.into()))?;
        let response = HttpResponse {
            status,
            headers,
            url,
            body,
        };
        if retryable {
            Err(Attempt::Retryable {
                response: Box::new(response),
                wait,
            })
        } else {
            Ok(response)
        }
    }

    /// The connection to use for a hop with `trust`; untrusted IP literals are checked
    /// here (they never reach a resolver), names by [`GuardedResolver`].
    fn client_for(&self, url: &Url, trust: Trust) -> Result<&Client, Attempt> {
        check_url_shape(url).map_err(Attempt::Failed)?;
        match (trust, &self.inner.trusted) {
            (Trust::OperatorConfigured, Some(trusted)) => Ok(trusted),
            _ => {
                if let Some(ip) = literal_ip(url) {
                    check_address(ip, &self.inner.allowed).map_err(|class| {
                        Attempt::Failed(HttpError::AddressRefused {
                            host: host_for_log(url),
                            class,
                        })
                    })?;
                }
                Ok(&self.inner.guarded)
            }
        }
    }
}

/// Redirect statuses that carry a `Location` to follow.
fn is_followed_redirect(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::MOVED_PERMANENTLY
            | StatusCode::FOUND
            | StatusCode::SEE_OTHER
            | StatusCode::TEMPORARY_REDIRECT
            | StatusCode::PERMANENT_REDIRECT
    )
}

/// The absolute, validated URL a `Location` points to.
fn redirect_target(current: &Url, location: &HeaderValue) -> Result<Url, Attempt> {
    let refused = |reason| Attempt::Failed(HttpError::RedirectRefused { reason });
    let location = location
        .to_str()
        .map_err(|_| refused("the Location header is not text"))?;
    let mut next = current
        .join(location)
        .map_err(|_| refused("the Location header is not a URL"))?;
    next.set_fragment(None);
    check_url_shape(&next).map_err(Attempt::Failed)?;
    if current.scheme() == "https" && next.scheme() == "http" {
        return Err(refused("it downgrades https to http"));
    }
    Ok(next)
}

/// Drops everything that authenticates the request before a cross-origin hop:
/// `Authorization`, `Proxy-Authorization`, `Cookie` and every header marked sensitive
/// ([`RequestBuilder::bearer_auth`], [`RequestBuilder::secret_header`]).
fn strip_credentials(headers: &mut HeaderMap) {
    for name in [
        header::AUTHORIZATION,
        header::PROXY_AUTHORIZATION,
        header::COOKIE,
    ] {
        headers.remove(name);
    }
    let sensitive: Vec<HeaderName> = headers
        .iter()
        .filter(|(_, v)| v.is_sensitive())
        .map(|(k, _)| k.clone())
        .collect();
    for name in sensitive {
        headers.remove(name);
    }
}

/// `image/<subtype>` and nothing else.
fn check_image_content_type(headers: &HeaderMap) -> Result<(), HttpError> {
    let raw = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let essence = raw
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("image", subtype))
            if !subtype.is_empty()
                && subtype
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            Ok(())
        }
        _ => Err(HttpError::UnexpectedContentType {
            content_type: sanitize_for_log(&raw, MAX_CONTENT_TYPE_CHARS),
        }),
    }
}

/// A `reqwest::Error` as an [`HttpError`], recognising refusals by the resolver.
fn map_transport_error(error: &reqwest::Error) -> HttpError {
    let mut source = error.source();
    while let Some(s) = source {
        if let Some(refused) = s.downcast_ref::<AddressRefusedError>() {
            return HttpError::AddressRefused {
                host: refused.host.clone(),
                class: refused.class,
            };
        }
        source = s.source();
    }
    if error.is_timeout() {
        HttpError::Timeout
    } else if error.is_connect() {
        HttpError::Connect {
            detail: transport_detail(error),
        }
    } else {
        HttpError::Transport {
            detail: transport_detail(error),
        }
    }
}

impl From<BodyError> for HttpError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::TooLarge { limit } => HttpError::TooLarge { limit },
            BodyError::Timeout => HttpError::Timeout,
            BodyError::Transport { detail } => HttpError::Transport { detail },
        }
    }
}

/// How one attempt ended, as far as retrying is concerned.
enum Attempt {
    Failed(HttpError),
    /// A [`RETRYABLE_STATUSES`] answer (body read), and the wait it asked for.
    Retryable {
        response: Box<HttpResponse>,
        wait: Option<Duration>,
    },
}

impl Attempt {
    fn is_retryable(&self) -> bool {
        matches!(
            self,
            Attempt::Retryable { .. } | Attempt::Failed(HttpError::Connect { .. })
        )
    }

    fn requested_wait(&self) -> Option<Duration> {
        match self {
            Attempt::Retryable { wait, .. } => *wait,
            Attempt::Failed(_) => None,
        }
    }
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Failed(e) => e.fmt(f),
            Attempt::Retryable { response, .. } => write!(f, "HTTP {}", response.status.as_u16()),
        }
    }
}

/// The request as built once, replayed for every attempt and hop.
struct Prepared {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: Option<Vec<u8>>,
    body_limit: Option<usize>,
    timeout: Option<Duration>,
    expect_image: bool,
}

/// A request being assembled; [`RequestBuilder::send`] runs it through the policy.
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    client: HttpClient,
    inner: Result<reqwest::RequestBuilder, HttpError>,
    body_limit: Option<usize>,
    timeout: Option<Duration>,
    expect_image: bool,
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder").finish_non_exhaustive()
    }
}

impl RequestBuilder {
    fn map(mut self, f: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder) -> Self {
        self.inner = self.inner.map(f);
        self
    }

    /// Appends query parameters (the query is never logged).
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Self {
        self.map(|r| r.query(query))
    }

    /// A header that is forwarded on every hop (credentials: [`Self::secret_header`]).
    pub fn header(self, name: HeaderName, value: HeaderValue) -> Self {
        self.map(|r| r.header(name, value))
    }

    /// A credential header (an API key): marked sensitive, dropped before any
    /// cross-origin redirect.
    pub fn secret_header(mut self, name: HeaderName, value: &str) -> Self {
        match HeaderValue::from_str(value) {
            Ok(mut v) => {
                v.set_sensitive(true);
                self.map(|r| r.header(name, v))
            }
            Err(_) => {
                self.inner = Err(HttpError::InvalidRequest {
                    detail: format!("invalid value for header {name}"),
                });
                self
            }
        }
    }

    /// `Authorization: Bearer …`, sensitive, dropped before any cross-origin hop.
    pub fn bearer_auth(self, token: &str) -> Self {
        self.map(|r| r.bearer_auth(token))
    }

    /// A JSON body (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(self, json: &T) -> Self {
        self.map(|r| r.json(json))
    }

    /// A form body (`application/x-www-form-urlencoded`).
    pub fn form<T: Serialize + ?Sized>(self, form: &T) -> Self {
        self.map(|r| r.form(form))
    }

    /// A raw body.
    pub fn body(self, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        self.map(|r| r.body(body))
    }

    /// Caps this response's body (default: the client's).
    pub fn body_limit(mut self, limit: usize) -> Self {
        self.body_limit = Some(limit);
        self
    }

    /// The deadline of each attempt (default: the client's).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A successful answer must be `image/*` ([`HttpError::UnexpectedContentType`]
    /// otherwise, before its body is read).
    pub fn expect_image(mut self) -> Self {
        self.expect_image = true;
        self
    }

    /// Sends the request: policy checks, redirects, retries, capped body. Any final
    /// status is a response ([`HttpResponse::error_for_status`] turns failures into
    /// errors), except a retryable one asking for a wait above the cap, which is
    /// [`HttpError::RateLimited`].
    pub async fn send(self) -> Result<HttpResponse, HttpError> {
        let request = self.inner?.build().map_err(|e| HttpError::InvalidRequest {
            detail: transport_detail(&e),
        })?;
        let body = match request.body() {
            None => None,
            Some(b) => Some(
                b.as_bytes()
                    .ok_or_else(|| HttpError::InvalidRequest {
                        detail: "streaming bodies cannot be replayed".into(),
                    })?
                    .to_vec(),
            ),
        };
        let prepared = Prepared {
            method: request.method().clone(),
            url: request.url().clone(),
            headers: request.headers().clone(),
            body,
            body_limit: self.body_limit,
            timeout: self.timeout,
            expect_image: self.expect_image,
        };
        self.client.execute(prepared).await
    }
}

/// A final answer with its whole (capped) body.
pub struct HttpResponse {
    status: StatusCode,
    headers: HeaderMap,
    /// After redirects. May carry a query: log it only through [`url_for_log`].
    url: Url,
    body: Vec<u8>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("url", &url_for_log(&self.url))
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl HttpResponse {
    /// A response built from its parts: the fuzz targets decode hostile bodies with
    /// the providers' own code, without a server.
    pub(crate) fn from_parts(
        status: StatusCode,
        headers: HeaderMap,
        url: Url,
        body: Vec<u8>,
    ) -> Self {
        HttpResponse {
            status,
            headers,
            url,
            body,
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The URL that answered (after redirects); log it only via [`url_for_log`].
    pub fn url(&self) -> &Url {
        &self.url
    }

    pub fn content_type(&self) -> Option<&str> {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
    }

    pub fn body(&self) -> &[u8] {
        &self.body
    }

    pub fn into_body(self) -> Vec<u8> {
        self.body
    }

    /// The wait the server asked for (`Retry-After`, `X-RateLimit-Reset-In`).
    pub fn retry_after(&self) -> Option<Duration> {
        requested_wait(self.status, &self.headers, SystemTime::now())
    }

    /// `self` for a 2xx status, else [`HttpError::Status`].
    pub fn error_for_status(self) -> Result<Self, HttpError> {
        if self.status.is_success() {
            Ok(self)
        } else {
            Err(HttpError::Status {
                status: self.status.as_u16(),
                retry_after: self.retry_after(),
            })
        }
    }

    /// The body as JSON. Errors name the position, never the body's content.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HttpError> {
        serde_json::from_slice(&self.body).map_err(|e| HttpError::Decode {
            detail: format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }
}

/// Resolves names for untrusted hops: every address is checked, and the addresses
/// returned (the only ones hyper connects to) are exactly the checked ones, so a DNS
/// answer that changes between check and connect (rebinding) cannot slip through.
#[derive(Debug, Clone)]
struct GuardedResolver {
    allowed: Arc<[IpNet]>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let allowed = self.allowed.clone();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for addr in &addrs {
                if let Err(class) = check_address(addr.ip(), &allowed) {
                    tracing::debug!(host = %sanitize_for_log(&host, 100), %class, "refused an untrusted host");
                    return Err(Box::new(AddressRefusedError {
                        host: sanitize_for_log(&host, 100),
                        class,
                    }) as Box<dyn StdError + Send + Sync>);
                }
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// The resolver's refusal, recognised in reqwest's error chain.
#[derive(Debug)]
struct AddressRefusedError {
    host: String,
    class: AddressClass,
}

impl fmt::Display for AddressRefusedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} resolves to a {} address", self.host, self.class)
    }
}

impl StdError for AddressRefusedError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_content_types() {
        let with = |ct: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
            check_image_content_type(&h)
        };
        for ok in [
            "image/png",
            "image/jpeg",
            "IMAGE/WebP",
            "image/svg+xml; charset=utf-8",
        ] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        for bad in [
            "text/html",
            "image/",
            "image",
            "application/octet-stream",
            "imagex/png",
            "image/png\u{7f}",
        ] {
            if let Ok(v) = HeaderValue::from_str(bad) {
                let mut h = HeaderMap::new();
                h.insert(header::CONTENT_TYPE, v);
                assert!(
                    matches!(
                        check_image_content_type(&h),
                        Err(HttpError::UnexpectedContentType { .. })
                    ),
                    "{bad}"
                );
            }
        }
        assert!(check_image_content_type(&HeaderMap::new()).is_err());
    }

    #[test]
    fn credentials_are_stripped_and_other_headers_kept() {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer x"));
        h.insert(header::COOKIE, HeaderValue::from_static("a=b"));
        let mut key = HeaderValue::from_static("k");
        key.set_sensitive(true);
        h.insert("api-key", key);
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        strip_credentials(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key(header::ACCEPT));
    }

    #[test]
    fn redirect_targets_are_validated() {
        let here = Url::parse("https://api.example/v1/x?k=1").unwrap();
        let target = |l: &'static str| redirect_target(&here, &HeaderValue::from_static(l));
        assert_eq!(
            target("/v2/y#frag").ok().unwrap().as_str(),
            "https://api.example/v2/y"
        );
        assert_eq!(
            target("https://cdn.example/i.png").ok().unwrap().as_str(),
            "https://cdn.example/i.png"
        );
        let err = |r: Result<Url, Attempt>| match r {
            Err(Attempt::Failed(e)) => e,
            _ => panic!("accepted"),
        };
        assert!(matches!(
            err(target("http://api.example/v1/x")),
            HttpError::RedirectRefused { .. }
        ));
        assert!(matches!(
            err(target("file:///etc/passwd")),
            HttpError::SchemeNotAllowed { .. }
        ));
        assert!(matches!(
            err(target("https://u:p@cdn.example/")),
            HttpError::InvalidUrl { .. }
        ));
    }
}
