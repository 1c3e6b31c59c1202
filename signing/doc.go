// Package signing turns "this caller may read this path until then" into a CloudFront
// signed URL or signed cookies. It knows nothing of CDK or of Signet's API: give it a
// key pair id and a private key, and it signs.
//
// # What it signs
//
// CloudFront compares a policy's Resource with the URL exactly as the viewer sends
// it, percent-encoding included. Signet therefore signs, and returns, the
// percent-encoded form: each path segment is decoded once and re-encoded with
// JavaScript's encodeURIComponent set (A-Z a-z 0-9 - _ . ! ~ ' ( ) stay literal;
// every other byte of the UTF-8 form becomes %XX, upper-case), so "a b.txt" is signed
// as "a%20b.txt" and "é" as "%C3%A9", exactly as the AWS JavaScript signer
// (@aws-sdk/cloudfront-signer) and browsers send them. One deliberate difference: "*"
// is encoded as %2A, because a literal "*" in a policy Resource is a CloudFront
// wildcard and would widen the grant; the JavaScript signer leaves it literal. Query strings and fragments
// are refused: a signed Signet URL carries only CloudFront's own parameters.
//
// # Policies
//
// A canned policy (Expires) applies when there is no start time, no IP restriction and
// no wildcard: the smallest URL. Otherwise a custom policy (Policy) is built with
// DateLessThan, then DateGreaterThan, then IpAddress, in the order the CloudFront
// documentation and the JavaScript signer use, so the bytes can be compared. The
// Resource is the exact URL, or a wildcard "https://<domain>/<prefix>/*" whose prefix
// ends in "/" and contains no wildcard, so it can never match past the prefix. IP
// restrictions take one IPv4 address or CIDR (CloudFront matches IPv6 viewers against
// IPv6 CIDRs only, and Signet's distribution serves IPv4).
//
// # Keys
//
// RSA-2048 keys sign with PKCS#1 v1.5 over SHA-1 (CloudFront's original scheme, the
// seed's choice); ECDSA P-256 keys sign over SHA-256 (ASN.1 DER) and add
// Hash-Algorithm=SHA256. PEM in PKCS#1, SEC 1 or PKCS#8. A Signer parses its key once
// and is safe for concurrent use.
//
// # Why not only aws-sdk-go-v2's feature/cloudfront/sign
//
// For RSA canned-policy URLs the SDK's URLSigner does the job, and Signet's tests hold
// Signet to it: TestSDKAgreesOnCannedURLs requires byte-identical URLs from both. Signet
// still signs them on its own path because the SDK's URL validation and JSON encoder
// cost 2 to 4% per signature on top of the RSA operation (`make bench`: 0.94x to
// 0.98x of raw crypto/rsa across runs), too close to the 0.97x budget. It writes
// its own code where the SDK cannot do the job at all: the SDK hashes with SHA-1 only (no
// ECDSA P-256/SHA-256, no Hash-Algorithm), its canned cookies use the Policy form
// instead of CloudFront-Expires, its custom policies order the conditions IpAddress,
// DateGreaterThan, DateLessThan (valid, but not byte-comparable with the JavaScript
// signer), and it neither validates IPv4 CIDRs nor confines wildcards to a prefix.
//
// # Signature cache
//
// RSA PKCS#1 v1.5 signatures are deterministic: the same policy bytes always give the
// same signature. WithCache keeps recent signatures keyed by the exact policy bytes
// (which include the resource, expiry, start and IP), so a hit returns precisely what
// signing again would, and an entry is dropped once its expiry has passed. Callers that
// round expiry times to a window (see RoundUp) turn repeated requests for one resource
// into cache hits. ECDSA signatures are randomized, so an ECDSA signer caches too, which
// is equally safe: any valid signature for those bytes is as good as another.
package signing
