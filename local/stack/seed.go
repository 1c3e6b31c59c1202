package stack

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/local/oidc"
	"github.com/signet-cdk/signet/store"
)

// User is a seeded account.
type User struct {
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Customer string   `json:"customer,omitempty"`
	Roles    []string `json:"roles"`
	Username string   `json:"username"`
}

// seedActor is who the seed data's admin trail names.
var seedActor = store.Actor{Subject: "signet-local-seed", RequestID: "seed"}

// seedCustomers are two customers, each with a rule for its staff: Acme's staff may
// read, write and delete everything; Globex's may read and write.
var seedCustomers = []struct {
	store.CustomerRecord
	actions []string
	user    string
}{
	{store.CustomerRecord{ID: "acme", DisplayName: "Acme Corp", Prefix: "customers/acme"}, []string{"read", "write", "delete"}, "alice@acme.example"},
	{store.CustomerRecord{ID: "globex", DisplayName: "Globex", Prefix: "customers/globex"}, []string{"read", "write"}, "bob@globex.example"},
}

// seed creates the platform admin and the customers, their rules and users, once: a
// kept state folder has them already (users.json holds the accounts, since the
// issuer's users live in memory and are added again each run).
func seed(ctx context.Context, dir string, db *database, issuer *oidc.Issuer) ([]User, error) {
	file := filepath.Join(dir, "users.json")
	var users []User
	if b, err := os.ReadFile(file); err == nil && json.Unmarshal(b, &users) == nil {
		return users, readdUsers(issuer, users)
	}
	admin := User{Email: "admin@signet.example", Password: randomPassword(), Roles: []string{api.PlatformAdminsGroup}}
	users = append(users, admin)
	for _, c := range seedCustomers {
		if err := db.admin.CreateCustomer(ctx, seedActor, c.CustomerRecord); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		rule := store.Rule{CustomerID: c.ID, PathPrefix: "", Role: "staff", Actions: c.actions}
		if err := db.admin.GrantRule(ctx, seedActor, rule); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
		users = append(users, User{Email: c.user, Password: randomPassword(), Customer: c.ID, Roles: []string{"staff"}})
	}
	if err := readdUsers(issuer, users); err != nil {
		return nil, err
	}
	for _, u := range users[1:] {
		rec := store.User{Username: u.Username, Email: u.Email, CustomerID: u.Customer, Roles: u.Roles}
		if err := db.admin.AddUser(ctx, seedActor, rec); err != nil && !errors.Is(err, store.ErrConflict) {
			return nil, err
		}
	}
	b, _ := json.MarshalIndent(users, "", "  ")
	return users, os.WriteFile(file, b, 0o600)
}

// readdUsers puts the accounts into the issuer, filling in their usernames.
func readdUsers(issuer *oidc.Issuer, users []User) error {
	for i := range users {
		u := &users[i]
		name, err := issuer.AddUser(u.Email, u.Password, u.Customer, u.Roles...)
		if err != nil {
			return err
		}
		u.Username = name
	}
	return nil
}

// randomPassword meets Cognito's default policy: upper, lower, digit, symbol, 12+.
func randomPassword() string { return "Sg-" + randomHex(6) + "-Lx9" }
