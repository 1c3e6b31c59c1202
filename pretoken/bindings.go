package pretoken

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/signet-cdk/signet/internal/strictjson"
)

// Binding ties one Cognito identity provider to the customer it signs users in for.
type Binding struct {
	// Provider is the Cognito identity provider name, as "identities" names it.
	Provider string `json:"provider"`
	// Customer is the only customer id this provider's users ever get.
	Customer string `json:"customer"`
	// Groups maps an IdP group to a Signet role; unmapped groups grant nothing.
	Groups map[string]string `json:"groups"`
	// GroupsAttribute is the user pool attribute the provider's groups are mapped to.
	GroupsAttribute string `json:"groupsAttribute"`
}

// Bindings are the parsed provider bindings; the handler is a method on them. The zero
// value binds no provider: every federated user is refused, native users work.
type Bindings struct {
	byProvider map[string]Binding
	logger     *slog.Logger
}

var (
	// Same patterns as package store, which checks customers and roles on the way in.
	customerIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	roleRE       = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
)

// reservedRoles mirror store.ReservedRoles (a test keeps them equal); not imported,
// so the trigger's binary does not carry the database driver.
var reservedRoles = []string{"platform-admins"}

// ParseBindings parses the provider bindings, a JSON array of Binding, strictly:
// unknown fields, duplicate keys, duplicate providers, bad customer ids or roles and
// mappings to a reserved role are errors, all reported in one single-line error.
func ParseBindings(doc []byte) (Bindings, error) {
	list, err := decodeBindings(doc)
	if err != nil {
		return Bindings{}, fmt.Errorf("provider bindings: %w", err)
	}
	b := Bindings{byProvider: make(map[string]Binding, len(list))}
	var problems []string
	for i, bd := range list {
		problems = append(problems, checkBinding(i, bd)...)
		if _, dup := b.byProvider[bd.Provider]; dup {
			problems = append(problems, fmt.Sprintf("binding %d: provider %q is bound twice", i, bd.Provider))
		}
		bd.Groups = maps.Clone(bd.Groups) // nothing outside can change a parsed binding
		b.byProvider[bd.Provider] = bd
	}
	if len(problems) > 0 {
		// "; ", not errors.Join's newlines: the cold-start failure stays one log line.
		return Bindings{}, errors.New("provider bindings: " + strings.Join(problems, "; "))
	}
	return b, nil
}

// WithLogger returns b logging to logger instead of slog.Default.
func (b Bindings) WithLogger(logger *slog.Logger) Bindings {
	b.logger = logger
	return b
}

// Providers lists the bound provider names, sorted, for a start-up log line.
func (b Bindings) Providers() []string {
	return slices.Sorted(maps.Keys(b.byProvider))
}

func (b Bindings) log() *slog.Logger {
	if b.logger != nil {
		return b.logger
	}
	return slog.Default()
}

// decodeBindings reads exactly one JSON array of bindings and nothing after it.
func decodeBindings(doc []byte) ([]Binding, error) {
	if err := strictjson.NoDuplicateKeys(doc); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var list []Binding
	if err := dec.Decode(&list); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON array")
	}
	if list == nil {
		return nil, errors.New("must be a JSON array, not null")
	}
	return list, exactFieldNames(doc)
}

// fieldNames are the binding fields, spelt exactly.
var fieldNames = []string{"provider", "customer", "groups", "groupsAttribute"}

// exactFieldNames rejects field names in another case: encoding/json would match
// "Customer" or "groupsattribute" to a field, so a misspelt (or doubled, in two cases)
// field would be silently accepted.
func exactFieldNames(doc []byte) error {
	var raw []map[string]json.RawMessage
	if err := json.Unmarshal(doc, &raw); err != nil {
		return err
	}
	for i, fields := range raw {
		for _, name := range slices.Sorted(maps.Keys(fields)) {
			if !slices.Contains(fieldNames, name) {
				return fmt.Errorf("binding %d: unknown field %q (fields are %s)", i, name, strings.Join(fieldNames, ", "))
			}
		}
	}
	return nil
}

// checkBinding returns what is wrong with binding i, if anything.
func checkBinding(i int, bd Binding) []string {
	var p []string
	bad := func(format string, args ...any) {
		p = append(p, fmt.Sprintf("binding %d (provider %q): ", i, bd.Provider)+fmt.Sprintf(format, args...))
	}
	switch {
	case bd.Provider == "":
		bad("provider is empty")
	case strings.TrimSpace(bd.Provider) != bd.Provider:
		bad("provider has leading or trailing spaces")
	}
	switch {
	case bd.Customer == "":
		bad("customer is empty")
	case !customerIDRE.MatchString(bd.Customer):
		bad("customer %q does not match %s", bd.Customer, customerIDRE)
	}
	if len(bd.Groups) > 0 && bd.GroupsAttribute == "" {
		bad("groups are mapped but groupsAttribute is empty")
	}
	for _, group := range slices.Sorted(maps.Keys(bd.Groups)) {
		if msg := checkMapping(group, bd.Groups[group]); msg != "" {
			bad("group %q: %s", group, msg)
		}
	}
	return p
}

// checkMapping says what is wrong with mapping an IdP group to a role, or "".
func checkMapping(group, role string) string {
	switch {
	case group == "" || strings.TrimSpace(group) != group:
		// Values are trimmed before lookup, so such a key could never match.
		return "IdP group names must be non-empty without leading or trailing spaces"
	case isReserved(role):
		return fmt.Sprintf("role %q is reserved and cannot be granted through an identity provider", role)
	case !roleRE.MatchString(role):
		return fmt.Sprintf("role %q does not match %s", role, roleRE)
	}
	return ""
}

// isReserved ignores case so "Platform-Admins" cannot slip past a case-insensitive
// comparison elsewhere.
func isReserved(role string) bool {
	for _, r := range reservedRoles {
		if strings.EqualFold(role, r) {
			return true
		}
	}
	return false
}
