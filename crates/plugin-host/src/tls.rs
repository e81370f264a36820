//! AutoMTLS: the server side of go-plugin's mutual TLS, with real client authentication.
//!
//! The host hands us its client certificate in `PLUGIN_CLIENT_CERT` and trusts exactly the server
//! certificate we print in the handshake line. Terraform's client certificate is a P-521,
//! `CA:TRUE` self-signed certificate, which webpki refuses as an end entity, so instead of a chain
//! verifier we pin its DER: a connection is accepted only if the peer presents that exact
//! certificate *and* proves possession of its key in the handshake signature. TLS itself runs on
//! *ring*, which cannot verify P-521 signatures, so that one algorithm comes from RustCrypto's
//! `p521` ([`EcdsaP521Sha512`]).

use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::alg_id;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};
use tokio_rustls::TlsAcceptor;

/// A ready TLS acceptor plus the certificate the host must be told about.
pub struct ServerTls {
    pub cert_der: CertificateDer<'static>,
    pub acceptor: TlsAcceptor,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls")
            .field("cert_der_len", &self.cert_der.len())
            .finish()
    }
}

impl ServerTls {
    /// Builds the server side from the PEM in `PLUGIN_CLIENT_CERT`, with a fresh server identity.
    /// `organization` names the certificate's owner (the program name), for anyone inspecting it.
    pub fn from_client_cert_pem(client_cert_pem: &str, organization: &str) -> anyhow::Result<Self> {
        let pinned: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(client_cert_pem.as_bytes())
                .collect::<Result<_, _>>()
                .context("PLUGIN_CLIENT_CERT is not valid PEM")?;
        anyhow::ensure!(
            !pinned.is_empty(),
            "PLUGIN_CLIENT_CERT contains no certificate"
        );

        let (cert_der, key) = generate_server_identity(organization)?;
        let provider = Arc::new(crypto_provider());
        let verifier = PinnedClientCert::new(pinned, &provider);
        let mut config = ServerConfig::builder_with_provider(provider)
            // go-plugin clients set MinVersion TLS 1.2 and negotiate 1.3 when they can.
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
            .context("configuring TLS versions")?
            .with_client_cert_verifier(Arc::new(verifier))
            .with_single_cert(vec![cert_der.clone()], key)
            .context("installing the server certificate")?;
        // grpc-go ≥ 1.67 refuses TLS connections that did not negotiate h2.
        config.alpn_protocols = vec![b"h2".to_vec()];
        // The host opens one long-lived connection; resumption tickets would never be used.
        config.send_tls13_tickets = 0;
        Ok(Self {
            cert_der,
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }
}

/// *ring*'s TLS primitives, with P-521 added to the signatures it can check.
fn crypto_provider() -> CryptoProvider {
    CryptoProvider {
        signature_verification_algorithms: verification_algorithms(),
        ..rustls::crypto::ring::default_provider()
    }
}

/// *ring*'s verification algorithms plus ECDSA P-521/SHA-512, built once per process.
fn verification_algorithms() -> WebPkiSupportedAlgorithms {
    static ALGORITHMS: OnceLock<WebPkiSupportedAlgorithms> = OnceLock::new();
    static P521_ONLY: &[&dyn SignatureVerificationAlgorithm] = &[&EcdsaP521Sha512];
    *ALGORITHMS.get_or_init(|| {
        let base = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let mut all = base.all.to_vec();
        all.push(&EcdsaP521Sha512);
        let mut mapping = base.mapping.to_vec();
        mapping.push((SignatureScheme::ECDSA_NISTP521_SHA512, P521_ONLY));
        // Leaked once: rustls wants 'static tables, and a process needs exactly one.
        WebPkiSupportedAlgorithms {
            all: Box::leak(all.into_boxed_slice()),
            mapping: Box::leak(mapping.into_boxed_slice()),
        }
    })
}

/// ECDSA over P-521 with SHA-512: the signature Terraform's client certificate makes.
#[derive(Debug)]
struct EcdsaP521Sha512;

impl SignatureVerificationAlgorithm for EcdsaP521Sha512 {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        use p521::ecdsa::signature::Verifier as _;
        let key =
            p521::ecdsa::VerifyingKey::from_sec1_bytes(public_key).map_err(|_| InvalidSignature)?;
        let signature =
            p521::ecdsa::Signature::from_der(signature).map_err(|_| InvalidSignature)?;
        key.verify(message, &signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_P521
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::ECDSA_SHA512
    }
}

/// A fresh self-signed server certificate for `localhost`, valid for both TLS roles.
///
/// P-256 because key generation and signing are the cheapest of the curves Go accepts, and this
/// runs on every process start before the handshake line can be printed. Go's client only checks
/// the DNS SAN, the ServerAuth EKU and the validity period, trusting the certificate directly.
fn generate_server_identity(
    organization: &str,
) -> anyhow::Result<(CertificateDer<'static>, PrivateKeyDer<'static>)> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .context("generating the server key")?;
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
        .context("building the server certificate parameters")?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, organization);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyAgreement,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let cert = params
        .self_signed(&key)
        .context("signing the server certificate")?;
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok((cert.der().clone(), key_der))
}

/// Accepts exactly the certificate(s) from `PLUGIN_CLIENT_CERT`, byte for byte.
#[derive(Debug)]
struct PinnedClientCert {
    pinned: Vec<CertificateDer<'static>>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedClientCert {
    fn new(pinned: Vec<CertificateDer<'static>>, provider: &CryptoProvider) -> Self {
        Self {
            pinned,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ClientCertVerifier for PinnedClientCert {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        true
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        // An empty hint list tells Go's client to send its only certificate.
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        // Identity is the exact DER; validity dates, CA flag and chains do not matter for a
        // certificate the host generated seconds ago and gave us out of band.
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_advertises_p521_and_pins_exact_der() {
        let provider = crypto_provider();
        let pinned = CertificateDer::from(vec![1u8, 2, 3]);
        let verifier = PinnedClientCert::new(vec![pinned.clone()], &provider);
        assert!(
            verifier
                .supported_verify_schemes()
                .contains(&SignatureScheme::ECDSA_NISTP521_SHA512)
        );
        assert!(verifier.client_auth_mandatory());
        assert!(verifier.root_hint_subjects().is_empty());
        let now = UnixTime::now();
        assert!(verifier.verify_client_cert(&pinned, &[], now).is_ok());
        let other = CertificateDer::from(vec![1u8, 2, 4]);
        assert!(verifier.verify_client_cert(&other, &[], now).is_err());
    }

    #[test]
    fn p521_signatures_verify_and_forgeries_do_not() {
        use p521::ecdsa::signature::Signer as _;
        let signing = p521::ecdsa::SigningKey::from_slice(&[1u8; 66]).expect("a valid scalar");
        let public = p521::ecdsa::VerifyingKey::from(&signing)
            .to_encoded_point(false)
            .as_bytes()
            .to_vec();
        let signature: p521::ecdsa::Signature = signing.sign(b"transcript");
        let der = signature.to_der();
        let algorithm = EcdsaP521Sha512;
        assert!(
            algorithm
                .verify_signature(&public, b"transcript", der.as_bytes())
                .is_ok()
        );
        assert!(
            algorithm
                .verify_signature(&public, b"another transcript", der.as_bytes())
                .is_err()
        );
        assert!(
            algorithm
                .verify_signature(&public, b"transcript", b"not DER")
                .is_err()
        );
    }

    #[test]
    fn rejects_pem_without_certificates() {
        assert!(ServerTls::from_client_cert_pem("not a pem", "test").is_err());
    }
}
