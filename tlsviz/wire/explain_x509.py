"""Explanations for the parts of an X.509 certificate (RFC 5280 §4.1, §4.2).

Keys ``x509.*`` are produced by :mod:`tlsviz.wire.der`; ``x509.ext.<name>``
names a certificate extension.  Merged into
:data:`tlsviz.wire.explain.EXPLANATIONS`.
"""

from __future__ import annotations

#: For a certificate extension without its own entry.
X509_EXTENSION_FALLBACK = (
    "A certificate extension: extra information or a constraint the CA attached to the "
    "certificate, identified by an object identifier (RFC 5280 §4.2)."
)

X509: dict[str, str] = {
    # -- the outer structure (RFC 5280 §4.1.1) -------------------------------------------
    "x509.certificate": (
        "An X.509 certificate: a signed statement from a certificate authority that a public "
        "key belongs to a name. In DER it is a SEQUENCE of three parts: the signed content "
        "(tbsCertificate), the signature algorithm and the signature (RFC 5280 §4.1)."
    ),
    "x509.tbsCertificate": (
        "The 'to be signed' part: everything the CA vouches for, namely the names, the public "
        "key, the validity period and the extensions. The CA's signature covers exactly these "
        "DER bytes, so changing one of them invalidates it (RFC 5280 §4.1.1.1)."
    ),
    "x509.signatureAlgorithm": (
        "The algorithm the CA signed with, such as sha256WithRSAEncryption or "
        "ecdsa-with-SHA256; it must equal the signature field inside tbsCertificate "
        "(RFC 5280 §4.1.1.2)."
    ),
    "x509.signatureValue": (
        "The CA's signature over the DER bytes of tbsCertificate. A client checks it with the "
        "issuer's public key, one step in following the chain up to a trusted root "
        "(RFC 5280 §4.1.1.3)."
    ),
    # -- tbsCertificate (RFC 5280 §4.1.2) ------------------------------------------------
    "x509.version": (
        "The certificate format version, in an explicit [0] tag that is left out for v1; "
        "certificates with extensions must be v3 (RFC 5280 §4.1.2.1)."
    ),
    "x509.versionNumber": (
        "The version number itself, counted from zero: 2 means v3, the version nearly all "
        "certificates use today (RFC 5280 §4.1.2.1)."
    ),
    "x509.serialNumber": (
        "A number the CA assigns, unique among the certificates it issues; revocation lists "
        "and OCSP name certificates by it. It must be positive and at most 20 bytes long "
        "(RFC 5280 §4.1.2.2)."
    ),
    "x509.signature": (
        "Inside tbsCertificate: the algorithm the CA signs with, repeated here so that it is "
        "covered by the signature itself (RFC 5280 §4.1.2.3)."
    ),
    "x509.issuer": (
        "The distinguished name of the CA that signed this certificate; it must equal the "
        "subject of the next certificate up the chain (RFC 5280 §4.1.2.4, §6.1.3)."
    ),
    "x509.subject": (
        "The distinguished name of the key's owner. For TLS servers the host names that count "
        "are in the subjectAltName extension; the common name (CN) here is only a leftover "
        "(RFC 5280 §4.1.2.6, RFC 9525)."
    ),
    "x509.rdn": (
        "A relative distinguished name: one component of a name, such as CN=localhost or "
        "O=Example, usually a single attribute (RFC 5280 §4.1.2.4)."
    ),
    "x509.type": (
        "The object identifier saying which attribute this is, such as CN (common name), O "
        "(organisation) or C (country) (RFC 5280 §4.1.2.4)."
    ),
    "x509.value": (
        "The attribute's value, usually a UTF8String or PrintableString such as the host name "
        "in a CN (RFC 5280 §4.1.2.4)."
    ),
    "x509.validity": (
        "The period during which the certificate may be trusted. Clients reject a certificate "
        "outside it, so an expired certificate breaks connections (RFC 5280 §4.1.2.5)."
    ),
    "x509.notBefore": "The first moment the certificate is valid (RFC 5280 §4.1.2.5).",
    "x509.notAfter": (
        "The last moment the certificate is valid (RFC 5280 §4.1.2.5). How long a publicly "
        "trusted TLS certificate may live is set by the CA/Browser Forum's Baseline "
        "Requirements, not by the RFC: at most 200 days for those issued since March 2026, "
        "100 days from March 2027 and 47 days from March 2029."
    ),
    "x509.subjectPublicKeyInfo": (
        "The public key this certificate vouches for, with its algorithm (RFC 5280 §4.1.2.7). "
        "The holder proves it has the matching private key by signing (CertificateVerify, or a "
        "TLS 1.2 ServerKeyExchange), or with RSA key exchange by decrypting the premaster "
        "secret, which only shows in a correct Finished."
    ),
    "x509.algorithm": (
        "An algorithm identifier, given by an object identifier: the key type (rsaEncryption, "
        "id-ecPublicKey, Ed25519) or signature algorithm, possibly followed by parameters "
        "(RFC 5280 §4.1.1.2)."
    ),
    "x509.parameters": (
        "Parameters of the algorithm: for an EC key the named curve such as prime256v1, for "
        "RSA usually NULL (RFC 5280 §4.1.1.2, RFC 5480 §2.1.1)."
    ),
    "x509.subjectPublicKey": (
        "The public key bits, as a BIT STRING: for RSA a DER structure holding modulus and "
        "exponent, for EC keys the encoded curve point (RFC 5280 §4.1.2.7)."
    ),
    "x509.modulus": (
        "The RSA modulus n, the product of two secret primes; its size in bits (2048, 3072, "
        "4096) is the key size (RFC 8017 §A.1.1)."
    ),
    "x509.publicExponent": "The RSA public exponent e, almost always 65537 (RFC 8017 §A.1.1).",
    "x509.issuerUniqueID": (
        "An optional identifier of the issuer from X.509 v2, practically never used "
        "(RFC 5280 §4.1.2.8)."
    ),
    "x509.subjectUniqueID": (
        "An optional identifier of the subject from X.509 v2, practically never used "
        "(RFC 5280 §4.1.2.8)."
    ),
    "x509.extensions": (
        "The v3 extensions: host names, key usage limits, CA flags and other information that "
        "the basic fields cannot express (RFC 5280 §4.1.2.9)."
    ),
    # -- one extension (RFC 5280 §4.1.2.9, §4.2) -----------------------------------------
    "x509.extnID": "The object identifier naming the extension (RFC 5280 §4.1.2.9).",
    "x509.critical": (
        "TRUE means a client that does not understand this extension must reject the "
        "certificate rather than ignore it (RFC 5280 §4.2)."
    ),
    "x509.extnValue": (
        "The extension's content: an OCTET STRING wrapping the DER encoding of the "
        "extension's own structure (RFC 5280 §4.1.2.9)."
    ),
    "x509.ext.unknown": (
        "A certificate extension with an object identifier this decoder has no name for; "
        "clients ignore it unless it is marked critical (RFC 5280 §4.2)."
    ),
    "x509.ext.subjectAltName": (
        "The names the certificate is valid for: DNS names and IP addresses. TLS clients check "
        "the server name they wanted against this list, not against the subject's CN "
        "(RFC 5280 §4.2.1.6)."
    ),
    "x509.ext.issuerAltName": "Alternative names of the issuing CA (RFC 5280 §4.2.1.7).",
    "x509.ext.basicConstraints": (
        "Whether the certificate belongs to a CA that may sign other certificates (CA:TRUE), "
        "and how many intermediate CA certificates may come below it in a chain "
        "(pathLenConstraint) (RFC 5280 §4.2.1.9)."
    ),
    "x509.ext.keyUsage": (
        "What the key may be used for, such as digitalSignature for a TLS key that signs "
        "handshakes, keyEncipherment for an RSA key that receives the premaster secret, or "
        "keyCertSign for a CA key (RFC 5280 §4.2.1.3)."
    ),
    "x509.ext.extKeyUsage": (
        "The purposes the certificate is meant for, such as serverAuth for a TLS server or "
        "clientAuth for a TLS client (RFC 5280 §4.2.1.12)."
    ),
    "x509.ext.subjectKeyIdentifier": (
        "A short identifier of this certificate's public key, usually a hash of it, that helps "
        "find the right certificate when building a chain (RFC 5280 §4.2.1.2)."
    ),
    "x509.ext.authorityKeyIdentifier": (
        "The identifier of the issuer's key that signed this certificate; it points to the "
        "next certificate up the chain (RFC 5280 §4.2.1.1)."
    ),
    "x509.ext.cRLDistributionPoints": (
        "Where to download the certificate revocation list that would name this certificate "
        "if it were revoked (RFC 5280 §4.2.1.13)."
    ),
    "x509.ext.certificatePolicies": (
        "The policies under which the CA issued the certificate, such as domain validated or "
        "organisation validated (RFC 5280 §4.2.1.4)."
    ),
    "x509.ext.authorityInfoAccess": (
        "Where to find the issuer's OCSP responder and the issuer's own certificate "
        "(RFC 5280 §4.2.2.1)."
    ),
    "x509.ext.nameConstraints": (
        "In a CA certificate: the name spaces, such as a domain, that certificates below it "
        "may or may not use (RFC 5280 §4.2.1.10)."
    ),
    "x509.ext.ct_precert_scts": (
        "Signed certificate timestamps embedded in the certificate: promises, obtained before "
        "issue for its precertificate, from Certificate Transparency logs that it will appear "
        "in them within the maximum merge delay (RFC 6962 §3.1, §3.3)."
    ),
    "x509.ext.ct_precert_poison": (
        "Marks a precertificate, a copy submitted to Certificate Transparency logs that no "
        "client may accept as a real certificate (RFC 6962 §3.1)."
    ),
    # -- anything else ---------------------------------------------------------------------
    "x509.asn1": (
        "A DER element shown by its ASN.1 type, such as SEQUENCE or INTEGER: a tag, a length "
        "and the contents (X.690 §8.1)."
    ),
    "x509.unexpected": (
        "An element that the certificate's structure does not allow at this place; a "
        "diagnostic says what was expected (RFC 5280 §4.1)."
    ),
}
