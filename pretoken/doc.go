// Package pretoken is Signet's Cognito pre-token-generation trigger (V2_0 event): it
// decides who a user is for Signet, writing the same two claims into the ID and the
// access token:
//
//   - custom:customer_id, the customer whose files the user may reach, and
//   - cognito:groups, the Signet roles that the customer's access rules name.
//
// # Trust model
//
// The customer id is the tenant boundary, so it must never come from anything the
// user, or an identity provider (IdP) of one customer, can write. Only two sources are
// trusted:
//
//   - For a federated user, the provider binding: configuration the platform operator
//     deploys, naming for each Cognito identity provider the one customer it signs in
//     for. The provider is read from the "identities" attribute, which Cognito alone
//     writes at federated sign-in. Whatever the IdP sends, including its own
//     custom:customer_id through an attribute mapping, is ignored and overridden: an
//     IdP is trusted to say which of its users belong to which of its groups, never
//     which customer it is.
//   - For a native user (no "identities" attribute), custom:customer_id as an
//     administrator set it (AdminUpdateUserAttributes): the user pool makes it readable
//     but not writable by app clients, so a user cannot change it. It is copied only if
//     it is a well-formed customer id.
//
// Roles follow the same split. A federated user's roles are the IdP's groups (from the
// binding's groupsAttribute) mapped through the binding; unmapped groups are dropped,
// and the result replaces the user's Cognito groups entirely. The reserved role
// "platform-admins" can never be granted through an IdP: a binding that maps to it is
// a configuration error, and it is dropped again at sign-in. A native user keeps the
// Cognito groups an administrator gave them.
//
// A federated user who cannot be placed (no binding for the provider, an unreadable
// "identities" attribute, providers of different customers) gets a token with
// custom:customer_id suppressed and no groups, which the API refuses on every call.
// One log line names the provider; no token contents or email addresses are logged.
//
// # Decisions
//
// Cognito marks a user federated with "identities"; a user whose cognito:user_status is
// EXTERNAL_PROVIDER but who has no "identities" is treated as federated with an
// unreadable one (refused), never as native. A native user linked to an IdP
// (AdminLinkProviderForUser) has "identities" and is therefore treated as federated:
// the binding, not the admin-set attribute, decides its customer.
//
// A user linked to several providers gets a customer only if every provider is bound
// and all are bound to the same customer; otherwise the user is refused. Its roles are
// those that every linked provider's binding grants (the intersection): the pre-token
// event does not say through which provider the user signed in, and each provider's
// groups attribute may hold a stale value from its last sign-in, so granting a role
// takes the agreement of all of them. This fails closed.
//
// The groups attribute holds whatever Cognito stored for a mapped multi-valued claim:
//
//   - a JSON array of strings, ["a","b"], as Cognito stores an OIDC array claim;
//   - a bracketed list without quotes, [a, b], as Cognito stores a SAML attribute with
//     several values (a single SAML value is stored bare: a);
//   - a comma-separated list, a,b (items trimmed, inner spaces kept); or
//   - a whitespace-separated list, a b, as some IdPs send a groups string.
//
// A value with neither brackets nor commas is first taken whole, if the binding maps it
// as a whole (a single group such as "Domain Users"); only otherwise is it split on
// whitespace. Splitting on whitespace can make a word of an unmapped group name ("Not
// Admins") match a mapped name ("Admins"): bind IdP group ids, or names without spaces,
// or have the IdP send a JSON array.
//
// Configuration errors fail the Lambda's cold start; nothing about a user's data is
// ever an error, since a trigger error fails the sign-in.
package pretoken
