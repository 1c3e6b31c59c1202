package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/signet-cdk/signet/api"
	"github.com/signet-cdk/signet/client"
	"github.com/signet-cdk/signet/directory"
	"github.com/signet-cdk/signet/internal/cognitofake"
	"github.com/signet-cdk/signet/pretoken"
	"github.com/signet-cdk/signet/store"
)

// signIn is Cognito issuing an ID token for a user of the stand-in pool: the claims
// come from the pre-token-generation trigger (package pretoken) over the user's
// attributes and groups, exactly as the deployed trigger sees them.
func signIn(t *testing.T, b pretoken.Bindings, attrs map[string]string, groups []string, token string) {
	t.Helper()
	ev := events.CognitoEventUserPoolsPreTokenGenV2_0{}
	ev.TriggerSource = "TokenGeneration_HostedAuth"
	ev.Request.UserAttributes = attrs
	ev.Request.GroupConfiguration.GroupsToOverride = groups
	out, err := b.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	id := out.Response.ClaimsAndScopeOverrideDetails.IDTokenGeneration
	claims := map[string]any{"sub": attrs["sub"], "cognito:groups": "[" + strings.Join(out.Response.ClaimsAndScopeOverrideDetails.GroupOverrideDetails.GroupsToOverride, " ") + "]"}
	if c, ok := id.ClaimsToAddOrOverride[pretoken.CustomerClaim].(string); ok {
		claims[pretoken.CustomerClaim] = c
	}
	issueToken(token, claims)
}

func poolUser(t *testing.T, fake *cognitofake.Server, username string) (map[string]string, []string) {
	t.Helper()
	u, ok := fake.User(username)
	if !ok {
		t.Fatalf("no user %s in the pool", username)
	}
	return u.Attributes, fake.UserGroups(username)
}

// README's walk-through, step by step, with the real pieces: the admin API on the
// admin role, the directory over the Cognito stand-in (real SDK), the trigger, the
// signer API, S3 (versitygw) and the CloudFront stand-in. Deploying is covered by the
// template tests (test/).
func TestDayOneWalkThrough(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	fake, cognito := cognitofake.New(t)
	var db string
	_ = w.admin.QueryRow(ctx, "SELECT current_database()").Scan(&db)
	adminStore, err := store.Open(store.Config{Host: "127.0.0.1", Port: cluster.Port, Database: db, User: "signet_admin_app", RetryBudget: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(adminStore.Close)
	adminAPI := &api.AdminHandler{Store: adminStore, Directory: &directory.Directory{Client: cognito, UserPoolID: fake.PoolID()},
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	admins := httptest.NewServer(gateway(adminAPI.Handle))
	t.Cleanup(admins.Close)
	bindings, err := pretoken.ParseBindings([]byte(`[{"provider":"AcmeOkta","customer":"walk","groups":{"Finance":"finance"},"groupsAttribute":"custom:idp_groups"}]`))
	if err != nil {
		t.Fatal(err)
	}

	// 1. Deploy created the groups and the first platform admin (signet:adminEmail).
	fake.AddGroup(api.PlatformAdminsGroup)
	fake.AddGroup(api.CustomerAdminsGroup)
	first, err := cognito.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(fake.PoolID()), Username: aws.String("root@example.com"),
		UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String("root@example.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	rootName := aws.ToString(first.User.Username)
	if _, err := cognito.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(fake.PoolID()), Username: &rootName, GroupName: aws.String(api.PlatformAdminsGroup)}); err != nil {
		t.Fatal(err)
	}
	// 2. The first admin signs in.
	attrs, groups := poolUser(t, fake, rootName)
	signIn(t, bindings, attrs, groups, "walk-root")
	root := &client.Client{BaseURL: admins.URL, Tokens: client.StaticToken("walk-root")}
	// 3. Creates a customer and an access rule, 4. invites a user.
	if _, err := root.CreateCustomer(ctx, "walk", "Walk Ltd", "customers/walk"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []client.Rule{{CustomerID: "walk", PathPrefix: "inbox/", Role: "staff", Actions: []string{"read", "write"}},
		{CustomerID: "walk", PathPrefix: "finance/", Role: "finance", Actions: []string{"read", "write"}}} {
		if _, err := root.Grant(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	invited, err := root.Invite(ctx, "walk", "ana@walk.example", []string{"staff"})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := fake.User(invited.Username); !u.Invited() {
		t.Fatal("Cognito did not mail the invitation")
	}
	// 5. That user signs in (the trigger reads the customer the admin set) and uploads.
	attrs, groups = poolUser(t, fake, invited.Username)
	signIn(t, bindings, attrs, groups, "walk-ana")
	uploadAndRead(t, w.client("walk-ana"), "inbox/hello.txt", "hello from ana")
	if err := w.client("walk-ana").Upload(ctx, writeFile(t, "x"), "finance/plan.txt", "text/plain"); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("staff wrote to finance/: %v", err)
	}
	// 6. A federated user of the bound provider: customer and role come only from the
	// binding, whatever the IdP sends as custom:customer_id.
	signIn(t, bindings, map[string]string{"sub": "fed-1", "identities": `[{"providerName":"AcmeOkta","providerType":"OIDC","userId":"okta-42"}]`,
		"custom:idp_groups": `["Finance","Everyone"]`, "custom:customer_id": "globex"}, nil, "walk-fed")
	uploadAndRead(t, w.client("walk-fed"), "finance/q1.csv", "a,b\n1,2\n")
	if _, err := w.client("walk-fed").List(ctx, "inbox"); err != nil {
		t.Fatal(err)
	}
	var objects int
	_ = w.admin.QueryRow(ctx, "SELECT count(*) FROM files WHERE customer_id = 'walk' AND status = 'available'").Scan(&objects)
	if objects != 2 {
		t.Errorf("%d files of walk available, want 2", objects)
	}
	// A federated user of an unbound provider gets nothing.
	signIn(t, bindings, map[string]string{"sub": "fed-2", "identities": `[{"providerName":"Stranger","providerType":"SAML"}]`, "custom:customer_id": "walk"}, nil, "walk-stranger")
	if err := w.client("walk-stranger").Upload(ctx, writeFile(t, "x"), "inbox/x.txt", "text/plain"); !errors.Is(err, client.ErrForbidden) {
		t.Errorf("unbound provider: %v", err)
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func uploadAndRead(t *testing.T, c *client.Client, path, content string) {
	t.Helper()
	ctx := context.Background()
	if err := c.Upload(ctx, writeFile(t, content), path, "text/plain"); err != nil {
		t.Fatalf("upload %s: %v", path, err)
	}
	var buf bytes.Buffer
	if _, err := c.Download(ctx, path, &buf); err != nil || buf.String() != content {
		t.Fatalf("download %s: %q %v", path, buf.String(), err)
	}
}
