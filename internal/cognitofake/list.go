package cognitofake

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
)

// maxPage is the largest Limit Cognito accepts for these lists, and the default.
const maxPage = 60

// filterRE is ListUsers' filter grammar: AttributeName Filter-Type "AttributeValue",
// the filter type being = (exact) or ^= (prefix).
var filterRE = regexp.MustCompile(`^\s*([\w:]+)\s*(\^?=)\s*"([^"]*)"\s*$`)

// searchable are the attributes ListUsers can filter on; custom attributes are not.
var searchable = map[string]bool{
	"username": true, "email": true, "phone_number": true, "name": true,
	"given_name": true, "family_name": true, "preferred_username": true,
	"cognito:user_status": true, "status": true, "sub": true,
}

func (f *Server) listUsers(in *request) (any, error) {
	match, err := parseFilter(in.Filter)
	if err != nil {
		return nil, err
	}
	var us []*user
	for _, u := range f.sortedUsers() {
		if match(u) {
			us = append(us, u)
		}
	}
	return pageOfUsers(us, in.PaginationToken, in.Limit, in.AttributesToGet, "PaginationToken")
}

// parseFilter turns a ListUsers filter into a predicate; an empty filter matches all.
func parseFilter(filter string) (func(*user) bool, error) {
	if strings.TrimSpace(filter) == "" {
		return func(*user) bool { return true }, nil
	}
	m := filterRE.FindStringSubmatch(filter)
	if m == nil {
		return nil, invalid("Error while parsing filter.")
	}
	name, prefix, want := m[1], m[2] == "^=", m[3]
	if !searchable[name] {
		return nil, invalid("Invalid search attribute: %s", name)
	}
	fold := name == "username" // the pool is case-insensitive
	if fold {
		want = strings.ToLower(want)
	}
	return func(u *user) bool {
		got := searchValue(u, name)
		if fold {
			got = strings.ToLower(got)
		}
		if prefix {
			return strings.HasPrefix(got, want)
		}
		return got == want
	}, nil
}

func searchValue(u *user, name string) string {
	switch name {
	case "username":
		return u.Username
	case "cognito:user_status":
		return u.Status
	case "status":
		if u.Enabled {
			return "Enabled"
		}
		return "Disabled"
	}
	return u.Attributes[name]
}

// pageOfUsers answers one page of users, with the next page's token under tokenName.
func pageOfUsers(us []*user, token string, limit *int32, only []string, tokenName string) (any, error) {
	key := func(u *user) string { return fmt.Sprintf("%012d", u.seq) }
	got, next, err := paginate(us, key, token, limit)
	if err != nil {
		return nil, err
	}
	out := []userJSON{}
	for _, u := range got {
		out = append(out, listedUser(u, only))
	}
	return withToken(map[string]any{"Users": out}, tokenName, next), nil
}

// paginate returns the page of items (sorted by key) after token, and the token of the
// next page ("" on the last). A token is the key of the last item returned, so pages
// stay right when items are added or deleted between calls.
func paginate[T any](items []T, key func(T) string, token string, limit *int32) ([]T, string, error) {
	n, err := pageSize(limit)
	if err != nil {
		return nil, "", err
	}
	start, err := resume(items, key, token)
	if err != nil {
		return nil, "", err
	}
	end := min(start+n, len(items))
	page := items[start:end]
	if end == len(items) {
		return page, "", nil
	}
	return page, base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1]))), nil
}

func pageSize(limit *int32) (int, error) {
	if limit == nil || *limit == 0 {
		return maxPage, nil
	}
	if *limit < 0 || *limit > maxPage {
		return 0, invalid("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", *limit, maxPage)
	}
	return int(*limit), nil
}

// resume is the index of the first item after the token's key.
func resume[T any](items []T, key func(T) string, token string) (int, error) {
	if token == "" {
		return 0, nil
	}
	after, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(after) == 0 {
		return 0, invalid("Invalid pagination token.")
	}
	for i, it := range items {
		if key(it) > string(after) {
			return i, nil
		}
	}
	return len(items), nil
}

func withToken(out map[string]any, name, token string) map[string]any {
	if token != "" {
		out[name] = token
	}
	return out
}
