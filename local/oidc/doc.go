// Package oidc is a local stand-in for Signet's Amazon Cognito user pool: an OpenID
// Connect issuer with the managed login page, the OAuth 2.0 endpoints, and the eight
// admin operations package directory uses (directory.Client), so that a laptop runs
// Signet's sign-in with the same protocol, the same token shapes and the same
// pre-token-generation trigger as the cloud.
//
// # What it copies from Cognito
//
//   - The endpoints, under the issuer URL: /oauth2/authorize, /oauth2/token,
//     /oauth2/revoke, /oauth2/userInfo, the discovery document and the JSON Web Key
//     Set. The authorization-code grant with PKCE (S256) and the refresh-token grant;
//     a refresh answers new ID and access tokens and no new refresh token, as Cognito
//     does unless refresh-token rotation is on. Errors are RFC 6749 JSON,
//     {"error":"invalid_grant"}, with no description.
//   - The tokens: RS256 JWS with a kid. The ID token has sub, aud (the client id), iss,
//     token_use "id", auth_time, iat, exp, jti, origin_jti, at_hash, cognito:username,
//     cognito:groups (omitted when empty), the user's readable attributes (email,
//     email_verified as a boolean, name, custom:customer_id) as the scopes allow, and
//     nonce when the request had one. The access token has sub, iss, client_id,
//     token_use "access", scope, auth_time, iat, exp, jti, origin_jti, username,
//     version 2 and cognito:groups, and no aud. An ID token is issued only when the
//     openid scope was granted.
//   - The pre-token-generation trigger (V2_0 event): every token set, at the code
//     exchange (TokenGeneration_HostedAuth) and at each refresh
//     (TokenGeneration_RefreshTokens), is shaped by Config.Bindings.Handle, Signet's
//     real trigger, from the user's attributes (with cognito:user_status) and groups.
//     Its answer is applied as Cognito applies it: groupsToOverride, when not null,
//     replaces cognito:groups in both tokens (an empty list removes the claim);
//     claimsToAddOrOverride sets claims, and claimsToSuppress removes them, suppression
//     winning over an addition; claims Cognito reserves (iss, sub, aud, exp, token_use,
//     the cognito: prefix, ...) are left untouched; scopesToAdd and scopesToSuppress
//     change the access token's scope. The login form never supplies a claim.
//   - The user pool: a user's username is a generated sub (a version 4 UUID); the
//     email is a case-insensitively unique sign-in name; AdminCreateUser takes the
//     email as Username, generates a temporary password meeting Signet's policy (12
//     characters or more with every character class) and "emails" it through
//     Config.Invitations. Every Admin* operation accepts the sub or the email.
//     AdminDisableUser blocks sign-in and refresh; AdminUserGlobalSignOut revokes the
//     user's refresh tokens (and the access tokens issued from them, for userInfo);
//     AdminDeleteUser removes the user. Refusals are the SDK's own error types
//     (UsernameExistsException, UserNotFoundException, InvalidParameterException,
//     InvalidPasswordException, GroupExistsException, ResourceNotFoundException, ...)
//     wrapped in *smithy.OperationError, as aws-sdk-go-v2 returns them, so
//     directory.Directory maps them exactly as it maps the cloud's.
//
// # What differs
//
//   - No forced password change: a user signs in with the temporary password directly,
//     and becomes CONFIRMED at that first sign-in. Temporary passwords do not expire.
//   - No MFA, no threat protection, no rate limiting, no self sign-up, no password
//     reset, no /logout, and no sign-in session cookie: every authorization request
//     shows the login page.
//   - One public app client. Any loopback redirect URI (http://localhost:<port>/... or
//     http://127.0.0.1:<port>/...) is accepted in place of the client's registered
//     callback URLs, as RFC 8252 allows a native app's loopback port to vary.
//   - PKCE (S256) is required; Cognito makes it optional.
//   - The issuer URL is also the domain of the endpoints (Cognito's iss is
//     cognito-idp.<region>.amazonaws.com/<pool id>, its endpoints are on the auth
//     domain).
//   - No federation: a user whose identities attribute is seeded with SetAttributes
//     looks federated to the trigger, but signs in with a password here.
//   - Users, groups, codes and tokens live in memory and the signing key is generated
//     by New: a restart forgets them. Refresh tokens are opaque random strings, not
//     Cognito's encrypted JWTs.
//
// # Why it is hand-written
//
// Cognito cannot run on a laptop, and no general-purpose OIDC server calls a Cognito
// pre-token-generation trigger or answers the Cognito admin API with the SDK's error
// types; yet Signet's tenant boundary, custom:customer_id, and its roles,
// cognito:groups, exist only as that trigger writes them into Cognito-shaped tokens.
// So the trigger itself runs here, and the relying parties in the tests are real
// libraries (golang.org/x/oauth2, github.com/coreos/go-oidc, Signet's own client), so
// the stand-in cannot drift from the protocol without a test failing. It uses only the
// standard library, go-jose (to sign) and the types of the AWS SDK and Lambda events.
package oidc
