//! A CA made for one server, and that server's certificate (SAN `127.0.0.1`, `::1`, `localhost`).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// What a client needs to trust the server, and the server's TLS configuration.
pub(crate) struct Tls {
    pub(crate) ca_pem: String,
    pub(crate) ca_der: Vec<u8>,
    pub(crate) config: Arc<ServerConfig>,
}

pub(crate) fn make() -> Result<Tls, String> {
    let text = |error: rcgen::Error| error.to_string();
    let ca_key = KeyPair::generate().map_err(text)?;
    let mut ca_params = CertificateParams::new(Vec::new()).map_err(text)?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kube-double-ca");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(text)?;
    let issuer = Issuer::new(ca_params, ca_key);

    let key = KeyPair::generate().map_err(text)?;
    let names = ["127.0.0.1", "::1", "localhost"]
        .map(str::to_owned)
        .to_vec();
    let mut params = CertificateParams::new(names).map_err(text)?;
    params
        .distinguished_name
        .push(DnType::CommonName, "kube-apiserver");
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.signed_by(&key, &issuer).map_err(text)?;

    // ring, as the rest of the workspace builds rustls; loopback needs no post-quantum exchange.
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| error.to_string())?
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|error| error.to_string())?;
    Ok(Tls {
        ca_pem: ca_cert.pem(),
        ca_der: CertificateDer::as_ref(ca_cert.der()).to_vec(),
        config: Arc::new(config),
    })
}
