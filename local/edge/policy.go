package edge

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// parseCustom reads a verified custom policy into g. It is strict where CloudFront's
// format is fixed: one statement, only Resource and Condition in it, only the three
// documented conditions with their one key each, epoch times as JSON integers, the
// source IP as an IPv4 CIDR. Key names are compared exactly (encoding/json alone
// would match them case-insensitively).
func (g *Grant) parseCustom() error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(g.Document, &doc); err != nil {
		return malformed("Policy is not a JSON object: " + err.Error())
	}
	if err := onlyKeys(doc, "Statement"); err != nil {
		return err
	}
	var statements []map[string]json.RawMessage
	if err := json.Unmarshal(doc["Statement"], &statements); err != nil || len(statements) != 1 {
		return malformed("Policy must have exactly one statement")
	}
	st := statements[0]
	if err := onlyKeys(st, "Resource", "Condition"); err != nil {
		return err
	}
	if err := g.parseResource(st["Resource"]); err != nil {
		return err
	}
	return g.parseCondition(st["Condition"])
}

// parseResource reads Resource. A policy without one is refused: CloudFront's
// documentation is not clear that it means "every file", Signet never signs one, and
// a stand-in that is stricter than CloudFront fails a test instead of passing a bug.
func (g *Grant) parseResource(raw json.RawMessage) error {
	if err := json.Unmarshal(raw, &g.Resource); err != nil || g.Resource == "" {
		return malformed("Resource is required, as a non-empty string")
	}
	return nil
}

func (g *Grant) parseCondition(raw json.RawMessage) error {
	var cond map[string]map[string]json.RawMessage
	if err := json.Unmarshal(raw, &cond); err != nil || cond == nil {
		return malformed("Condition is not an object of conditions")
	}
	if err := onlyKeys(cond, "DateLessThan", "DateGreaterThan", "IpAddress"); err != nil {
		return err
	}
	less, ok := cond["DateLessThan"]
	if !ok {
		return malformed("DateLessThan is required")
	}
	var err error
	if g.Expires, err = epochCondition("DateLessThan", less); err != nil {
		return err
	}
	if greater, ok := cond["DateGreaterThan"]; ok {
		if g.Start, err = epochCondition("DateGreaterThan", greater); err != nil {
			return err
		}
	}
	if ip, ok := cond["IpAddress"]; ok {
		if g.SourceIP, err = sourceIPCondition(ip); err != nil {
			return err
		}
	}
	return nil
}

func epochCondition(name string, c map[string]json.RawMessage) (time.Time, error) {
	if err := onlyKeys(c, "AWS:EpochTime"); err != nil {
		return time.Time{}, err
	}
	raw, ok := c["AWS:EpochTime"]
	if !ok {
		return time.Time{}, malformed(name + " needs AWS:EpochTime")
	}
	n, err := epochDigits(string(raw))
	if err != nil {
		return time.Time{}, malformed(name + " AWS:EpochTime " + strconv.Quote(string(raw)) + ": " + err.Error())
	}
	return time.Unix(n, 0), nil
}

func sourceIPCondition(c map[string]json.RawMessage) (netip.Prefix, error) {
	if err := onlyKeys(c, "AWS:SourceIp"); err != nil {
		return netip.Prefix{}, err
	}
	var s string
	if err := json.Unmarshal(c["AWS:SourceIp"], &s); err != nil {
		return netip.Prefix{}, malformed("IpAddress needs AWS:SourceIp as a string")
	}
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, malformed("AWS:SourceIp " + strconv.Quote(s) + " is not an IPv4 CIDR")
	}
	return p.Masked(), nil
}

// onlyKeys refuses a key other than allowed, compared byte for byte.
func onlyKeys[V any](m map[string]V, allowed ...string) error {
	for k := range m {
		if !slices.Contains(allowed, k) {
			return malformed("unknown policy key " + strconv.Quote(k))
		}
	}
	return nil
}
