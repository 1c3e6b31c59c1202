package oidc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/local/oidc"
)

// ExampleNew serves a local user pool over TLS, seeds a platform administrator,
// invites a customer's user through package directory as the admin API does in the
// cloud, and reads the discovery document a relying party starts from.
func ExampleNew() {
	srv := httptest.NewUnstartedServer(nil)
	issuerURL := "https://" + srv.Listener.Addr().String() + "/auth"
	iss, err := oidc.New(oidc.Config{
		Issuer:     issuerURL,
		ClientID:   "signet-local",
		UserPoolID: "local_Signet1",
		// Where Cognito would email the temporary password.
		Invitations: func(email, _ string) { fmt.Println("invitation for", email) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv.Config.Handler = iss
	srv.StartTLS()
	defer srv.Close()

	if _, err := iss.AddUser("admin@example.com", "Local-Admin-Pass-1", "", "platform-admins"); err != nil {
		fmt.Println(err)
		return
	}
	dir := &directory.Directory{Client: iss, UserPoolID: "local_Signet1"}
	if _, err := dir.Invite(context.Background(), "ann@acme.example", "acme", []string{"acme-staff"}); err != nil {
		fmt.Println(err)
		return
	}

	resp, err := srv.Client().Get(issuerURL + "/.well-known/openid-configuration")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer        string `json:"issuer"`
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(doc.Issuer == issuerURL, strings.TrimPrefix(doc.TokenEndpoint, issuerURL))
	// Output:
	// invitation for ann@acme.example
	// true /oauth2/token
}
