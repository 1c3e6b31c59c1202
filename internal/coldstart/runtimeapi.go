package coldstart

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"slices"
	"time"
)

// nextPath is the first call every Lambda runtime makes once its init is done.
const nextPath = "/2018-06-01/runtime/invocation/next"

// Timeout bounds one start: a bootstrap that neither calls the Runtime API nor exits
// by then has hung (on the network, say), which is a failure to report, not to wait out.
var Timeout = 10 * time.Second

// runtimeAPI is a fake Lambda Runtime API on loopback. It only notes when the
// first /next call arrives and then holds the request open until the process is
// killed: no invocation is ever handed out, so the handler never runs.
type runtimeAPI struct {
	srv  *http.Server
	addr string
	next chan time.Time
}

func startRuntimeAPI() (*runtimeAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	api := &runtimeAPI{addr: ln.Addr().String(), next: make(chan time.Time)}
	api.srv = &http.Server{Handler: http.HandlerFunc(api.serve), ReadHeaderTimeout: Timeout}
	go api.srv.Serve(ln)
	return api, nil
}

func (a *runtimeAPI) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now() // before anything else, so the server's own work is not counted
	if r.Method != http.MethodGet || r.URL.Path != nextPath {
		http.NotFound(w, r)
		return
	}
	select {
	case a.next <- at:
	case <-r.Context().Done():
		return
	}
	<-r.Context().Done() // the kill closes the connection
}

func (a *runtimeAPI) close() { a.srv.Close() }

// Measure starts each binary runs times, interleaved (a, b, a, b, ...) so that drift
// in the machine's speed lands on all of them alike, after one untimed start each to
// warm the page cache. env is the processes' whole environment;
// AWS_LAMBDA_RUNTIME_API is added. It returns, per binary, the time from just
// before exec to the arrival of its first /next call.
func Measure(bins []string, env []string, runs int) ([][]time.Duration, error) {
	api, err := startRuntimeAPI()
	if err != nil {
		return nil, err
	}
	defer api.close()
	env = append(slices.Clip(env), "AWS_LAMBDA_RUNTIME_API="+api.addr)
	out := make([][]time.Duration, len(bins))
	for run := -1; run < runs; run++ {
		for i, bin := range bins {
			d, err := api.start(bin, env)
			if err != nil {
				return nil, err
			}
			if run >= 0 {
				out[i] = append(out[i], d)
			}
		}
	}
	return out, nil
}

// start execs bin once and returns how long it took to call /next, then kills it.
func (a *runtimeAPI) start(bin string, env []string) (time.Duration, error) {
	cmd := exec.Command(bin)
	cmd.Env = env
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var took time.Duration
	var fail error
	select {
	case at := <-a.next:
		took = at.Sub(begin)
	case err := <-exited:
		return 0, fmt.Errorf("%s exited before calling the Runtime API (%v): %s", bin, err, output.Bytes())
	case <-time.After(Timeout):
		fail = fmt.Errorf("%s did not call the Runtime API within %v", bin, Timeout)
	}
	cmd.Process.Kill()
	if err := <-exited; fail == nil && !killed(err) {
		fail = fmt.Errorf("%s: %v: %s", bin, err, output.Bytes())
	}
	return took, fail
}

// killed reports whether err is the exit of a process that Kill ended as intended.
func killed(err error) bool {
	var exit *exec.ExitError
	return errors.As(err, &exit) && !exit.Exited()
}

// Median is the middle value of ds (the upper one of an even count).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
