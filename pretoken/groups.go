package pretoken

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
)

// idpGroups splits the groups attribute's value into IdP group names, accepting each
// format Cognito stores a mapped multi-valued claim in (see the package doc). mapped
// is the binding's map: a bare value it knows as a whole is one group, not a list.
func idpGroups(raw string, mapped map[string]string) []string {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil
	}
	if strings.HasPrefix(s, "[") {
		var list []string
		if json.Unmarshal([]byte(s), &list) == nil {
			return list // an OIDC array claim: ["a","b"]
		}
		if strings.HasSuffix(s, "]") {
			return splitCommas(s[1 : len(s)-1]) // a SAML multi-valued attribute: [a, b]
		}
	}
	if _, whole := mapped[s]; whole {
		return []string{s} // a single value, stored bare
	}
	if strings.Contains(s, ",") {
		return splitCommas(s)
	}
	return strings.Fields(s)
}

// splitCommas splits on commas and trims each item, keeping spaces inside names.
func splitCommas(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// mapRoles maps the IdP groups in raw through bd's map: a set of Signet roles.
func mapRoles(bd Binding, raw string) map[string]bool {
	roles := map[string]bool{}
	for _, g := range idpGroups(raw, bd.Groups) {
		role, ok := bd.Groups[g]
		// ParseBindings already refuses reserved roles; checked again because a
		// reserved role granted by an IdP would be a platform takeover.
		if ok && !isReserved(role) {
			roles[role] = true
		}
	}
	return roles
}

// commonRoles is the roles every binding grants, each reading its own attribute: with
// several linked providers a role needs all of them to agree (see the package doc).
func commonRoles(bs []Binding, attrs map[string]string) []string {
	common := mapRoles(bs[0], attrs[bs[0].GroupsAttribute])
	for _, bd := range bs[1:] {
		other := mapRoles(bd, attrs[bd.GroupsAttribute])
		maps.DeleteFunc(common, func(role string, _ bool) bool { return !other[role] })
	}
	return slices.Sorted(maps.Keys(common))
}
