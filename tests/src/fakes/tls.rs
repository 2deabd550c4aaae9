//! Test TLS: a throwaway certificate authority and an https server on loopback.
//!
//! [`TestCa::new`] makes a self-signed CA and a leaf certificate it signed for
//! `localhost` and `127.0.0.1`. A client that trusts [`TestCa::cert_pem`] (e.g.
//! `HttpSettings { extra_roots_pem, .. }`) reaches [`serve_https`] servers; one that
//! does not fails the handshake, as it would against any unknown certificate.
//!
//! rustls picks its crypto provider from its crate features; the workspace enables
//! only aws-lc-rs (through reqwest and axum-server), so nothing has to be installed.

use std::net::SocketAddr;

use axum::Router;
use axum_server::tls_rustls::RustlsConfig;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Names the leaf certificate is valid for.
const LEAF_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// A CA and one server certificate it issued, all PEM.
#[derive(Debug, Clone)]
pub struct TestCa {
    /// The CA certificate: what a client adds to its trusted roots.
    pub cert_pem: String,
    /// The server certificate (for `localhost` and `127.0.0.1`).
    pub leaf_cert_pem: String,
    /// The server certificate's private key (PKCS #8).
    pub leaf_key_pem: String,
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl TestCa {
    pub fn new() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "spotter test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        let ca_key = KeyPair::generate().unwrap();
        let ca_cert = ca_params.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca_params, ca_key);

        let names: Vec<String> = LEAF_NAMES.iter().map(|n| n.to_string()).collect();
        let mut leaf_params = CertificateParams::new(names).unwrap();
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().unwrap();
        let leaf_cert = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        TestCa {
            cert_pem: ca_cert.pem(),
            leaf_cert_pem: leaf_cert.pem(),
            leaf_key_pem: leaf_key.serialize_pem(),
        }
    }

    /// The CA certificate as bytes, ready for `HttpSettings::extra_roots_pem`.
    pub fn cert_pem_bytes(&self) -> Vec<u8> {
        self.cert_pem.as_bytes().to_vec()
    }
}

/// Serves `router` over https (the leaf certificate of `ca`) on 127.0.0.1 and returns
/// its address. The server runs until the test's runtime ends.
pub async fn serve_https(router: Router, ca: &TestCa) -> SocketAddr {
    // The chain: leaf, then the CA (clients that trust the CA need only the leaf).
    let chain = format!("{}{}", ca.leaf_cert_pem, ca.cert_pem);
    let config = RustlsConfig::from_pem(chain.into_bytes(), ca.leaf_key_pem.clone().into_bytes())
        .await
        .expect("test TLS configuration");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = axum_server::from_tcp_rustls(listener, config);
    tokio::spawn(async move {
        server
            .serve(router.into_make_service())
            .await
            .expect("https test server");
    });
    addr
}
