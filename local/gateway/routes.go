package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// segment kinds, in order of precedence: a literal beats a {param}, which beats a
// {proxy+}.
const (
	literal = iota
	param
	greedy
)

type segment struct {
	kind int
	text string // the literal, or the parameter's name
}

// resource is one resource path with its methods.
type resource struct {
	template string
	segments []segment
	methods  map[string]*Route // by method; "ANY" for ANY
}

func (res *resource) authorized() bool {
	for _, rt := range res.methods {
		if !rt.Public {
			return true
		}
	}
	return false
}

var methods = map[string]bool{
	http.MethodGet: true, http.MethodPost: true, http.MethodPut: true, http.MethodPatch: true,
	http.MethodDelete: true, http.MethodHead: true, http.MethodOptions: true, "ANY": true,
}

// buildResources checks routes and groups them by resource.
func buildResources(routes []Route) ([]*resource, error) {
	if len(routes) == 0 {
		return nil, errors.New("gateway: Config.Routes is empty")
	}
	byTemplate := map[string]*resource{}
	var out []*resource
	for i := range routes {
		rt := routes[i] // a copy: the caller may change its slice later
		if !methods[rt.Method] {
			return nil, fmt.Errorf("gateway: route %d: method %q is not GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS or ANY", i, rt.Method)
		}
		if rt.Handler == nil {
			return nil, fmt.Errorf("gateway: route %s %s has no Handler", rt.Method, rt.Resource)
		}
		res := byTemplate[rt.Resource]
		if res == nil {
			segs, err := parseTemplate(rt.Resource)
			if err != nil {
				return nil, fmt.Errorf("gateway: route %s %s: %w", rt.Method, rt.Resource, err)
			}
			res = &resource{template: rt.Resource, segments: segs, methods: map[string]*Route{}}
			if err := checkSiblings(out, res); err != nil {
				return nil, err
			}
			byTemplate[rt.Resource] = res
			out = append(out, res)
		}
		if res.methods[rt.Method] != nil {
			return nil, fmt.Errorf("gateway: route %s %s is given twice", rt.Method, rt.Resource)
		}
		res.methods[rt.Method] = &rt
	}
	return out, nil
}

// parseTemplate reads a resource path as API Gateway writes them: "/" or
// "/"-separated path parts, each a literal (letters, digits, and ._-:), a {name} or,
// last only, a greedy {name+}.
func parseTemplate(t string) ([]segment, error) {
	if t == "/" {
		return nil, nil
	}
	if !strings.HasPrefix(t, "/") {
		return nil, errors.New(`a resource path starts with "/"`)
	}
	parts := strings.Split(t[1:], "/")
	segs := make([]segment, 0, len(parts))
	names := map[string]bool{}
	for i, p := range parts {
		switch {
		case p == "":
			return nil, errors.New("a resource path has no empty part (no trailing or double /)")
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "+}"):
			if i != len(parts)-1 {
				return nil, errors.New("a greedy {name+} part must be the last")
			}
			segs = append(segs, segment{greedy, p[1 : len(p)-2]})
		case strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}"):
			segs = append(segs, segment{param, p[1 : len(p)-1]})
		default:
			if !validLiteral(p) {
				return nil, fmt.Errorf("path part %q: use letters, digits and ._-:", p)
			}
			segs = append(segs, segment{literal, p})
			continue
		}
		name := segs[len(segs)-1].text
		if !validParamName(name) || names[name] {
			return nil, fmt.Errorf("path parameter %q is not a name (letters, digits, _) or is given twice", name)
		}
		names[name] = true
	}
	return segs, nil
}

// checkSiblings refuses what API Gateway refuses: two parameter parts (or a
// parameter and a greedy part) with different names under the same parent.
func checkSiblings(existing []*resource, res *resource) error {
	for _, other := range existing {
		n := min(len(other.segments), len(res.segments))
		for i := range n {
			a, b := other.segments[i], res.segments[i]
			if a == b {
				continue
			}
			if a.kind != literal && b.kind != literal {
				return fmt.Errorf("gateway: resources %s and %s have different variable parts under the same parent", other.template, res.template)
			}
			break
		}
	}
	return nil
}

func validLiteral(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-:", c)) {
			return false
		}
	}
	return s != ""
}

func validParamName(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// match finds the route for method and path: the most specific resource whose
// template matches the path (a literal part beats a {param}, which beats a greedy
// part), then its method, or ANY. No resource, or a resource without the method:
// false (API Gateway's 403 Missing Authentication Token either way).
func (g *Gateway) match(method, path string) (*Route, map[string]string, bool) {
	if !strings.HasPrefix(path, "/") {
		return nil, nil, false
	}
	var parts []string
	if path != "/" {
		parts = strings.Split(path[1:], "/")
	}
	var best *resource
	var bestParams map[string]string
	for _, res := range g.resources {
		params, ok := res.match(path, parts)
		if ok && (best == nil || moreSpecific(res, best)) {
			best, bestParams = res, params
		}
	}
	if best == nil {
		return nil, nil, false
	}
	rt := best.methods[method]
	if rt == nil {
		rt = best.methods["ANY"]
	}
	if rt == nil {
		return nil, nil, false
	}
	return rt, bestParams, true
}

// match matches the path's parts: a literal exactly, a {param} any non-empty part,
// a greedy parameter the rest of the path (at least one character).
func (res *resource) match(path string, parts []string) (map[string]string, bool) {
	var params map[string]string
	set := func(k, v string) {
		if params == nil {
			params = map[string]string{}
		}
		params[k] = v
	}
	for i, s := range res.segments {
		if i >= len(parts) {
			return nil, false
		}
		switch s.kind {
		case literal:
			if parts[i] != s.text {
				return nil, false
			}
		case param:
			if parts[i] == "" {
				return nil, false
			}
			set(s.text, parts[i])
		case greedy:
			rest := strings.Join(parts[i:], "/")
			if rest == "" {
				return nil, false
			}
			set(s.text, rest)
			return params, true
		}
	}
	if len(parts) != len(res.segments) {
		return nil, false
	}
	return params, true
}

// moreSpecific compares two resources that match the same path, part by part.
func moreSpecific(a, b *resource) bool {
	for i := range min(len(a.segments), len(b.segments)) {
		if a.segments[i].kind != b.segments[i].kind {
			return a.segments[i].kind < b.segments[i].kind
		}
	}
	return len(a.segments) > len(b.segments)
}
