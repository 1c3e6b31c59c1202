// Package gateway is a local stand-in for Signet's API Gateway REST API: an
// http.Handler that routes requests to Lambda proxy handlers (the functions
// package api's (*Handler).Handle and (*AdminHandler).Handle are) behind a Cognito
// user pools authorizer, building the events and reading the answers as API
// Gateway does.
//
// # What it copies from API Gateway
//
// Names in quotes are those of the Amazon API Gateway Developer Guide and the Amazon
// Cognito Developer Guide.
//
//   - Resources and methods. A Route is a method (or ANY) on a resource path
//     template: literal parts, {name} parts and a last greedy {name+} part ("Set up
//     a proxy integration with a proxy resource"). The most specific resource that
//     matches the path serves it (a literal part beats {name}, which beats {name+});
//     then its method, else its ANY. Neither a resource nor a method on it is API
//     Gateway's 403 {"message":"Missing Authentication Token"} (the
//     MISSING_AUTHENTICATION_TOKEN gateway response, x-amzn-ErrorType
//     MissingAuthenticationTokenException): a REST API answers a method a resource
//     lacks that way too, never 405, and does so before any authorizer runs. Paths
//     are matched case-sensitively on the decoded path, without folding a trailing
//     or doubled "/".
//   - The Cognito user pools authorizer ("Control access to REST APIs using Amazon
//     Cognito user pools as an authorizer"), with Signet's identity source,
//     method.request.header.Authorization, on every method that is not Public. The
//     header holds the ID token itself, or "Bearer <token>" (the scheme in any
//     letter case, one space), which API Gateway also accepts. A method without
//     OAuth scopes, as all of Signet's are, takes ID tokens only: token_use must be
//     "id", so an access token is refused. The token is checked as "Verifying a JSON
//     Web Token" describes: an RS256 signature (go-jose) by the key its kid names in
//     the pool's key set, fetched from Issuer+"/.well-known/jwks.json" and kept
//     (fetched again for an unknown kid, at most once per MinKeyRefetch); iss equal
//     to Issuer; exp not past and nbf not ahead (go-oidc's IDTokenVerifier, with its
//     five minutes of leeway for nbf); aud one of ClientIDs. A missing or refused
//     token is 401 {"message":"Unauthorized"} (UNAUTHORIZED, x-amzn-ErrorType
//     UnauthorizedException); an expired one is 401 {"message":"The incoming token
//     has expired"}, API Gateway's wording for it.
//   - The claims reach the handler as requestContext.authorizer.claims, every value
//     a string as a REST API passes them: strings as they are, numbers and booleans
//     as their JSON text (auth_time "1469814773", email_verified "true"), exp and
//     iat as Java prints a date ("Fri Jul 29 18:52:53 UTC 2016"), a list as its
//     elements joined with "," (cognito:groups ["staff","customer-admins"] is
//     "staff,customer-admins"; one group is its name alone), an object as its JSON,
//     a null claim left out. (The bracketed "[a b]" form is the HTTP API JWT
//     authorizer's; package api's roles reads both.)
//   - The event ("Input format of a Lambda function for proxy integration"):
//     resource (the template), path, httpMethod; headers with the last value of
//     each header and multiValueHeaders with all of them, Host included; the
//     caller's address appended to X-Forwarded-For ("<what the client sent>,
//     <caller>", or the caller alone), X-Forwarded-Proto and X-Forwarded-Port set
//     to how the caller connected, an X-Amzn-Trace-Id when it sent none;
//     queryStringParameters (last value) and multiValueQueryStringParameters (all),
//     null when there is no query; pathParameters, null for a resource without
//     parameters; the body as text, or base64 with isBase64Encoded when its
//     Content-Type is one of BinaryMediaTypes ("Working with binary media types for
//     REST APIs"; Signet's API has none, so its bodies are always text);
//     requestContext with a UUID requestId, stage, resourcePath, httpMethod, path
//     ("/"+stage+path), accountId AccountID, apiId APIID, identity.sourceIp (the
//     host of the connection's remote address), identity.userAgent, requestTime and
//     requestTimeEpoch. The event and the answer cross JSON, as they do between API
//     Gateway, Lambda and the Go runtime: claims arrive as map[string]any, and a
//     text body's bytes that are not UTF-8 arrive as U+FFFD.
//   - The answer ("Output format of a Lambda function for proxy integration"):
//     statusCode, headers and multiValueHeaders merged (for a name in both,
//     multiValueHeaders' values only; so several Set-Cookie lines stay several),
//     Content-Type application/json when the answer names none, x-amzn-RequestId
//     and x-amz-apigw-id added. The body is base64-decoded when isBase64Encoded and
//     the request's first Accept media type is one of BinaryMediaTypes; otherwise
//     it is sent as the text it is, base64 or not, as API Gateway does without a
//     binary media type.
//   - Failures. A handler error, a panic, a status code outside 200-599 or a body
//     that is not the base64 it claims are API Gateway's 502 {"message": "Internal
//     server error"}; the gateway goes on serving. A body over 10 MB (MaxPayload,
//     the "payload size" quota) is 413 {"message":"Request Too Long"}. A handler
//     still running at IntegrationTimeout (29 s, the integration timeout quota) is
//     504 {"message": "Endpoint request timed out"}; its context has that deadline,
//     and is not cancelled when the caller hangs up (API Gateway does not stop a
//     Lambda then).
//
// # What it does not do
//
// No request validators or models: Signet's API validates bodies against JSON
// schemas and declares its query parameters before the Lambda runs (package
// signerapi); here every request that passes routing and the authorizer reaches the
// handler, whose own checks (package api) are then the only ones. No stage
// throttling, WAF web ACL, usage plans or API keys, resource policies, authorizer
// result caching, CORS preflight (a Public OPTIONS route can stand in), mock
// integrations (the link-error page needs a Public route with a handler), custom
// domains, stage variables, access or execution logs (one slog line per request
// instead), X-Ray, Lambda's own 6 MB payload limits, header size quotas beyond
// net/http's, or API Gateway's renaming of reserved answer headers. The gateway is
// the stage itself: it serves "/api/files", as the distribution forwards it, not
// the execute-api form "/v1/api/files".
//
// Where the real thing differs or is undocumented, the choices are:
//
//   - ClientIDs. API Gateway's authorizer accepts an ID token of any app client of
//     its user pool (unless an identityValidationExpression narrows aud); a
//     stand-in has no pool to ask, so the app clients are listed, and a token whose
//     aud is not exactly one of them is refused.
//   - Stricter than needed, so that a test fails rather than passes a bug: a
//     second Authorization header, any scheme but Bearer, a token that is not a
//     compact JWS of base64url parts (JWS JSON, whitespace), a token without kid,
//     without iat or with an iat more than Leeway ahead are refused.
//   - net/http gives header names in canonical form ("X-Custom" for "x-custom")
//     and folds two spellings of one name into one entry with both values; API
//     Gateway keeps the client's spelling.
//   - Query strings are split on "&" only and decoded as forms ("+" is a space);
//     a part that does not decode is passed as sent; empty names are dropped.
//   - A client whose body cannot be read gets 400 {"message":"Bad Request"}.
//
// # Why it is hand-written
//
// It is the product's local stand-in for a managed service, in-process and
// without Docker or a network: aws-lambda-go has the event types but nothing that
// serves them, and the tools that run Lambda handlers behind a local API (SAM CLI,
// LocalStack) are separate services that run functions in containers and do not
// check Cognito user pool tokens the way this authorizer must. The cryptography is
// not hand-written: go-jose checks signatures and go-oidc's IDTokenVerifier checks
// the algorithm, issuer and times; this package adds the key cache, the Cognito
// rules (token_use, aud, kid) and API Gateway's rendering of claims, events and
// answers. It imports no CDK package.
package gateway
