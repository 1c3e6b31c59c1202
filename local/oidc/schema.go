package oidc

import (
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// standardAttrs are Cognito's standard attributes, which every pool's schema has.
var standardAttrs = map[string]bool{
	"address": true, "birthdate": true, "email": true, "email_verified": true,
	"family_name": true, "gender": true, "given_name": true, "locale": true,
	"middle_name": true, "name": true, "nickname": true, "phone_number": true,
	"phone_number_verified": true, "picture": true, "preferred_username": true,
	"profile": true, "updated_at": true, "website": true, "zoneinfo": true,
}

// customAttrs are the custom attributes of Signet's pool (constructs/identity) with
// their length limits.
var customAttrs = map[string]struct{ min, max int }{
	CustomerAttribute:   {1, 63},
	"custom:idp_groups": {0, 2048},
}

// maxAttrLen is Cognito's limit on a standard attribute's value.
const maxAttrLen = 2048

// checkAttrs refuses what the admin API would: attributes outside the schema, the
// immutable sub, verification flags other than true or false, values out of bounds.
func checkAttrs(attrs []types.AttributeType) error {
	for _, a := range attrs {
		name, value := aws.ToString(a.Name), aws.ToString(a.Value)
		limits, custom := customAttrs[name]
		switch {
		case name == "sub":
			return invalid("Invalid user attributes: sub: Attribute cannot be updated.")
		case !standardAttrs[name] && !custom:
			return invalid("Attributes did not conform to the schema: %s: Attribute does not exist in the schema.", name)
		case (name == "email_verified" || name == "phone_number_verified") && value != "true" && value != "false":
			return invalid("Invalid value for %s: %q", name, value)
		case !utf8.ValidString(value):
			return invalid("Invalid value for %s: not UTF-8", name)
		case custom && (utf8.RuneCountInString(value) < limits.min || utf8.RuneCountInString(value) > limits.max):
			return invalid("Attributes did not conform to the schema: %s: String must be %d to %d characters long", name, limits.min, limits.max)
		case len(value) > maxAttrLen:
			return invalid("Attributes did not conform to the schema: %s: String must be no longer than %d characters", name, maxAttrLen)
		}
	}
	return nil
}
