package database

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/signet-cdk/signet/constructs/internal/propcheck"
)

// The connection budget: the most connections the deployment can open on the
// database is the sum, over every client that connects, of its reserved concurrency
// times ConnectionsPerInstance. At synth it must fit what the cluster admits for its
// capacity range (MaxConnections) less ReservedConnections, or synth fails with the
// numbers. With the proxy on, the clients count against the proxy instead, and what
// must fit is the proxy's pool (MaxConnectionsPercent of max_connections) plus the
// clients that still connect directly (the schema migrator).

// ConnectionsPerInstance is how many connections one instance of a client (a Lambda
// execution environment) opens. It must match the default of store.Config's MaxConns
// (one: an instance serves one request at a time, one statement at a time); change
// both together, or the budget counts fewer connections than the pools open.
const ConnectionsPerInstance = 1

// The margin kept out of the budget, so the clients' worst case never takes the last
// slots.
const (
	// SuperuserReservedConnections are the slots a non-superuser such as signet_app
	// can never take: PostgreSQL's superuser_reserved_connections (default 3) plus
	// RDS's rds.rds_superuser_reserved_connections (default 2).
	SuperuserReservedConnections = 5
	// AutomationConnections: the Aurora User Guide asks for "at least 3 more
	// connections to support AWS automation" above what the application needs
	// (Managing Amazon Aurora PostgreSQL, Maximum connections,
	// https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.Managing.html).
	AutomationConnections = 3
	// OperatorConnections: Signet's room for people, psql sessions as signet_admin
	// and a migration run by hand.
	OperatorConnections = 5
	// ReservedConnections is the whole margin.
	ReservedConnections = SuperuserReservedConnections + AutomationConnections + OperatorConnections
)

// MaxConnectionsSource is where AWS documents max_connections for Aurora Serverless v2.
const MaxConnectionsSource = "https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.setting-capacity.html#aurora-serverless-v2.max-connections"

// maxConnectionsTable is the Aurora User Guide's table "default values for
// max_connections for Aurora Serverless v2 based on the maximum ACU value", the Aurora
// PostgreSQL column (MaxConnectionsSource). Aurora evaluates
// LEAST({DBInstanceClassMemory/9531392},5000) with the memory of the maximum ACUs, not
// the current ones, and holds the value while the instance scales.
var maxConnectionsTable = []struct {
	acu   float64
	conns int
}{{1, 189}, {4, 823}, {8, 1669}, {16, 3360}, {32, 5000}}

// lowMinCapacityCap: "when you specify a minimum capacity of 0.5 ACUs on
// PostgreSQL-compatible DB instances, the maximum value of max_connections is capped at
// 2,000" (same page); a minimum of 0 (auto-pause) is treated the same.
const lowMinCapacityCap = 2000

// MaxConnections is Aurora PostgreSQL's default max_connections for an Aurora
// Serverless v2 writer whose capacity range is minACU to maxACU, and how it was
// derived: the documented value at a documented maximum (1, 4, 8, 16, 32 ACUs; 5000 from
// 32 up); between two documented maxima, the straight line between them rounded down
// (the documented values lie on one line, 211.3 to 211.5 connections per ACU, up to 16
// ACUs, and under the formula's ceiling from 16 to 32); at most 2000 when minACU is 0.5
// or less.
func MaxConnections(minACU, maxACU float64) (int, string) {
	t := maxConnectionsTable
	var n int
	var how string
	switch last := t[len(t)-1]; {
	case maxACU <= t[0].acu:
		n, how = t[0].conns, fmt.Sprintf("the documented value for a maximum of %v ACU", t[0].acu)
	case maxACU >= last.acu:
		n, how = last.conns, fmt.Sprintf("the documented ceiling from a maximum of %v ACUs on", last.acu)
	default:
		for i := 1; i < len(t); i++ {
			lo, hi := t[i-1], t[i]
			if maxACU == hi.acu {
				n, how = hi.conns, fmt.Sprintf("the documented value for a maximum of %v ACUs", hi.acu)
				break
			}
			if maxACU < hi.acu {
				n = lo.conns + int(math.Floor(float64(hi.conns-lo.conns)*(maxACU-lo.acu)/(hi.acu-lo.acu)))
				how = fmt.Sprintf("a maximum of %v ACUs, between the documented %d (%v ACUs) and %d (%v ACUs), rounded down", maxACU, lo.conns, lo.acu, hi.conns, hi.acu)
				break
			}
		}
	}
	if minACU <= 0.5 && n > lowMinCapacityCap {
		n, how = lowMinCapacityCap, how+fmt.Sprintf(", capped at %d because the minimum capacity is %v ACUs (0.5 or less)", lowMinCapacityCap, minACU)
	}
	return n, fmt.Sprintf("Aurora PostgreSQL Serverless v2 default, %s (Aurora User Guide, Maximum connections for Aurora Serverless v2, %s)", how, MaxConnectionsSource)
}

// BudgetClient is one client as the budget counts it.
type BudgetClient struct {
	// Name is the client's construct path (a function's), or the name it was
	// registered with.
	Name string
	// ReservedConcurrency is the most instances that run at once; nil when the client
	// has none (unbounded) or has a fixed count.
	ReservedConcurrency *float64
	// Connections it can open: ReservedConcurrency × ConnectionsPerInstance, or its
	// fixed count.
	Connections int
	// Direct: it connects to the cluster itself, never through the proxy.
	Direct bool
	// Note says why a client counts as it does, e.g. the migrator's fixed count.
	Note string
}

// ConnectionBudget is the connection budget of one database, as computed at synth.
type ConnectionBudget struct {
	// Database is the database construct's path.
	Database                 string
	MinCapacity, MaxCapacity float64
	// MaxConnections is what the cluster admits, and Derivation how it was derived.
	MaxConnections int
	Derivation     string
	// Reserved is ReservedConnections; Limit is MaxConnections - Reserved, what the
	// clients (or the proxy and the direct clients) may open.
	Reserved, Limit int
	Clients         []BudgetClient
	// Unbounded lists the clients without a reservation (allowed only through the
	// proxy).
	Unbounded []string
	// ClientConnections is the sum of the bounded clients' connections (to the
	// cluster without the proxy; to the proxy, plus the direct ones, with it).
	ClientConnections int
	// With the proxy: its MaxConnectionsPercent and the pool that is on the cluster,
	// ceil(MaxConnections × percent / 100).
	Proxy                      bool
	ProxyMaxConnectionsPercent float64
	ProxyPool                  int
	// DatabaseConnections is the most the cluster can be asked for: ClientConnections
	// without the proxy; the proxy's pool plus the direct clients with it.
	DatabaseConnections int
}

// Fits reports whether the budget holds: no unbounded client without the proxy, and
// DatabaseConnections within Limit.
func (b *ConnectionBudget) Fits() bool {
	return (b.Proxy || len(b.Unbounded) == 0) && b.DatabaseConnections <= b.Limit
}

// Summary is the arithmetic in one line, for messages and the README.
func (b *ConnectionBudget) Summary() string {
	var parts []string
	for _, c := range b.Clients {
		via := ""
		if b.Proxy && !c.Direct {
			via = " via the proxy"
		}
		switch {
		case c.ReservedConcurrency != nil:
			parts = append(parts, fmt.Sprintf("%s reserved concurrency %v × %d = %d%s", c.Name, *c.ReservedConcurrency, ConnectionsPerInstance, c.Connections, via))
		case c.Connections > 0:
			parts = append(parts, fmt.Sprintf("%s %d (%s)%s", c.Name, c.Connections, c.Note, via))
		default:
			parts = append(parts, fmt.Sprintf("%s no reserved concurrency (unbounded)%s", c.Name, via))
		}
	}
	s := fmt.Sprintf("clients: %s; total %d", strings.Join(parts, ", "), b.ClientConnections)
	if b.Proxy {
		s += fmt.Sprintf("; on the cluster: the proxy's pool %d (MaxConnectionsPercent %v of %d) + %d direct = %d",
			b.ProxyPool, b.ProxyMaxConnectionsPercent, b.MaxConnections, b.DatabaseConnections-b.ProxyPool, b.DatabaseConnections)
	}
	return s + fmt.Sprintf("; limit %d = max_connections %d - %d reserved (%d superuser-reserved slots, %d for AWS automation, %d for operators); max_connections: %s",
		b.Limit, b.MaxConnections, b.Reserved, SuperuserReservedConnections, AutomationConnections, OperatorConnections, b.Derivation)
}

// client is one registration.
type client struct {
	name string
	// reservation reads the client's reserved concurrency at synth (nil: none).
	reservation func() (*float64, error)
	fixed       int // > 0: a fixed number of connections, whatever the concurrency
	direct      bool
	note        string
	// principals are the construct paths of the principals it connects as.
	principals []string
}

// RegisterFunction counts fn in the connection budget: its reserved concurrency (read
// from the function at synth, so it cannot drift) times ConnectionsPerInstance. Every
// function that connects to the database (GrantConnect, GrantConnectAs) must be
// registered; one without reserved concurrency fails synth unless the proxy is on. fn
// must be defined in this app (an imported function's reservation cannot be read: use
// RegisterClient).
func (d *MetadataDatabase) RegisterFunction(fn awslambda.IFunction) {
	name := *fn.Node().Path()
	c := client{name: name}
	if role := fn.Role(); role != nil {
		c.principals = append(c.principals, *role.Node().Path())
	}
	c.reservation = func() (*float64, error) {
		cfn, ok := fn.Node().DefaultChild().(awslambda.CfnFunction)
		if !ok {
			return nil, fmt.Errorf("is not defined in this app, so its reserved concurrency cannot be read; register it with RegisterClient and its concurrency")
		}
		r := cfn.ReservedConcurrentExecutions()
		if r != nil && *awscdk.Token_IsUnresolved(r) {
			return nil, fmt.Errorf("has a reserved concurrency that is a token, unknown at synth")
		}
		return r, nil
	}
	d.clients = append(d.clients, c)
}

// RegisterClient counts a client that is not a Lambda function of this app (a
// container service, an imported function) in the connection budget: at most
// maxInstances instances (nil: unbounded) of ConnectionsPerInstance connections each.
// grantees are the principals it connects as (the ones given to GrantConnect or
// GrantConnectAs).
func (d *MetadataDatabase) RegisterClient(name string, maxInstances *float64, grantees ...awsiam.IGrantable) {
	var r *float64
	if maxInstances != nil {
		v := *maxInstances
		r = &v
	}
	c := client{name: name, reservation: func() (*float64, error) { return r, nil }}
	for _, g := range grantees {
		c.principals = append(c.principals, principalPath(g))
	}
	d.clients = append(d.clients, c)
}

// registerMigrator counts the schema custom resource's handler: CloudFormation invokes
// it once per deploy and it opens one connection, as signet_admin, to the cluster
// itself (the proxy admits IAM authentication only).
func (d *MetadataDatabase) registerMigrator() {
	d.clients = append(d.clients, client{
		name: *d.Migrator.Function.Node().Path(), fixed: 1, direct: true,
		note: "schema migrator, a custom-resource handler that runs once per deploy with one connection",
	})
}

// principalPath names a grantee by the construct path of the principal it grants to.
func principalPath(g awsiam.IGrantable) string {
	if fn, ok := g.(awslambda.IFunction); ok && fn.Role() != nil {
		return *fn.Role().Node().Path()
	}
	if c, ok := g.(constructs.IConstruct); ok {
		return *c.Node().Path()
	}
	if c, ok := g.GrantPrincipal().(constructs.IConstruct); ok {
		return *c.Node().Path()
	}
	return fmt.Sprintf("%v", g.GrantPrincipal())
}

// Budget computes the connection budget as it stands (call it after every client is
// registered; synth checks it).
func (d *MetadataDatabase) Budget() *ConnectionBudget {
	b, _ := d.budget()
	return b
}

// budget computes the budget and every problem with it.
func (d *MetadataDatabase) budget() (*ConnectionBudget, []error) {
	path := *d.Node().Path()
	b := &ConnectionBudget{Database: path, MinCapacity: d.minCapacity, MaxCapacity: d.maxCapacity,
		Reserved: ReservedConnections, Proxy: d.Proxy != nil, ProxyMaxConnectionsPercent: d.proxyPercent}
	b.MaxConnections, b.Derivation = MaxConnections(d.minCapacity, d.maxCapacity)
	b.Limit = b.MaxConnections - b.Reserved
	var errs []error
	direct := 0
	for _, c := range d.clients {
		bc := BudgetClient{Name: c.name, Direct: c.direct, Note: c.note}
		if c.fixed > 0 {
			bc.Connections = c.fixed
		} else {
			r, err := c.reservation()
			switch {
			case err != nil:
				errs = append(errs, &propcheck.Error{Construct: "database", Path: c.name, Prop: "ReservedConcurrentExecutions", Value: nil, Reason: err.Error()})
			case r == nil:
				b.Unbounded = append(b.Unbounded, c.name)
			default:
				bc.ReservedConcurrency = r
				bc.Connections = int(math.Ceil(*r)) * ConnectionsPerInstance
			}
		}
		b.Clients = append(b.Clients, bc)
		b.ClientConnections += bc.Connections
		if c.direct {
			direct += bc.Connections
		}
	}
	if b.Proxy {
		b.ProxyPool = int(math.Ceil(float64(b.MaxConnections) * b.ProxyMaxConnectionsPercent / 100))
		b.DatabaseConnections = b.ProxyPool + direct
	} else {
		b.DatabaseConnections = b.ClientConnections
	}
	if !b.Proxy {
		for _, u := range b.Unbounded {
			errs = append(errs, &propcheck.Error{Construct: "database", Path: u, Prop: "ReservedConcurrentExecutions", Value: nil,
				Reason: fmt.Sprintf("is not set: this client connects to the database %s, whose connection budget is then unbounded (max_connections %d, of which %d are for clients); reserve concurrency for it, or turn on the database proxy", path, b.MaxConnections, b.Limit)})
		}
	}
	switch {
	case b.DatabaseConnections <= b.Limit:
	case b.Proxy:
		errs = append(errs, &propcheck.Error{Construct: "database", Path: path, Prop: "ProxyMaxConnectionsPercent", Value: b.ProxyMaxConnectionsPercent,
			Reason: fmt.Sprintf("lets the proxy open %d connections, which with %d direct exceeds the connection budget (%d > %d): %s; lower ProxyMaxConnectionsPercent or raise MaxCapacity",
				b.ProxyPool, direct, b.DatabaseConnections, b.Limit, b.Summary())})
	default:
		errs = append(errs, &propcheck.Error{Construct: "database", Path: path, Prop: "MaxCapacity", Value: d.maxCapacity,
			Reason: fmt.Sprintf("admits fewer connections than the clients can open (%d > %d): %s; lower the clients' reserved concurrency, raise MaxCapacity, or turn on the database proxy",
				b.DatabaseConnections, b.Limit, b.Summary())})
	}
	errs = append(errs, d.unregisteredGrantees()...)
	return b, errs
}

// unregisteredGrantees: every principal GrantConnect or GrantConnectAs was given must
// be one a registered client connects as, or the budget would miss it.
func (d *MetadataDatabase) unregisteredGrantees() []error {
	known := map[string]bool{}
	for _, c := range d.clients {
		for _, p := range c.principals {
			known[p] = true
		}
	}
	var errs []error
	for _, g := range d.grantees {
		if !known[g.path] {
			call := fmt.Sprintf("GrantConnect(%q)", g.path)
			if g.user != AppUser {
				call = fmt.Sprintf("GrantConnectAs(%q, %q)", g.path, g.user)
			}
			errs = append(errs, fmt.Errorf("signet/database %s: %s: %q may connect, but no registered client connects as it, so the connection budget does not count it; register its function with RegisterFunction (or RegisterClient with its concurrency and this grantee)", *d.Node().Path(), call, g.path))
		}
	}
	return errs
}

// budgetCheck fails synth when the budget does not hold.
type budgetCheck struct{ d *MetadataDatabase }

// Validate implements constructs.IValidation.
func (v *budgetCheck) Validate() *[]*string {
	_, errs := v.d.budget()
	out := make([]*string, 0, len(errs))
	for _, e := range errs {
		out = append(out, jsii.String(e.Error()))
	}
	return &out
}
