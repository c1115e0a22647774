package function

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"github.com/portcullis-gateway/portcullis/internal/testenv"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/portcullis-gateway/portcullis/internal/apimodel"
)

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestDebug_Node_InspectorAttachesToTheWarmWorker starts a Node.js
// function under --inspect (SAM CLI's --debug-function/--debug-port),
// then speaks the V8 inspector protocol to it: the discovery endpoint
// lists the worker, and Runtime.evaluate runs inside the very process that
// serves the function. Its 1 s timeout is suspended while debugging: an
// invocation that takes longer still answers.
func TestDebug_Node_InspectorAttachesToTheWarmWorker(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Require(t, "node")
	}
	port := freePort(t)
	fn := &apimodel.Function{LogicalID: "Slow", Runtime: "nodejs20.x", Handler: "index.handler", TimeoutSeconds: 1,
		InlineCode: "exports.handler = async () => { await new Promise((r) => setTimeout(r, 1500)); return 'late but answered'; };"}
	l := newLocal(t, LocalOptions{Debug: DebugOptions{Function: "Slow", Port: port}})
	res := invoke(t, l, fn, `{}`)
	if string(res.Payload) != `"late but answered"` || res.FunctionError != "" {
		t.Fatalf("result %s (%s): the timeout was not suspended", res.Payload, res.FunctionError)
	}

	resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/json/list")
	if err != nil {
		t.Fatalf("inspector discovery: %v", err)
	}
	var targets []struct {
		Type                 string
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
	}
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil || len(targets) != 1 || targets[0].WebSocketDebuggerURL == "" {
		t.Fatalf("inspector targets %+v (%v)", targets, err)
	}
	ws := dialWebSocket(t, targets[0].WebSocketDebuggerURL)
	defer ws.Close()
	ws.send(t, `{"id":1,"method":"Runtime.evaluate","params":{"expression":"process.env.AWS_LAMBDA_FUNCTION_NAME + ' ' + process.env.AWS_LAMBDA_RUNTIME_API.length"}}`)
	for {
		var msg struct {
			ID     int
			Result struct{ Result struct{ Value string } }
		}
		if err := json.Unmarshal(ws.read(t), &msg); err != nil {
			t.Fatal(err)
		}
		if msg.ID == 1 {
			if !strings.HasPrefix(msg.Result.Result.Value, "Slow ") {
				t.Fatalf("Runtime.evaluate in the worker = %q", msg.Result.Result.Value)
			}
			return
		}
	}
}

// Debuggers that are not installed are named with how to install them.
func TestDebug_MissingDebugger_SaysHowToInstall(t *testing.T) {
	cases := []struct {
		fn   *apimodel.Function
		tool string
		want string
	}{
		{&apimodel.Function{LogicalID: "Py", Runtime: "python3.12", Handler: "index.handler", InlineCode: "def handler(e, c):\n    return 1\n"}, "python3", "needs debugpy"},
		{&apimodel.Function{LogicalID: "Go", Runtime: "provided.al2023", Handler: "bootstrap", CodeDir: t.TempDir()}, "", "needs Delve"},
	}
	for _, tc := range cases {
		t.Run(tc.fn.LogicalID, func(t *testing.T) {
			if tc.tool == "python3" {
				if exec.Command("python3", "-c", "import debugpy").Run() == nil {
					t.Skip("debugpy is installed")
				}
			} else if _, err := exec.LookPath("dlv"); err == nil {
				t.Skip("dlv is installed")
			}
			l := newLocal(t, LocalOptions{Debug: DebugOptions{Function: tc.fn.LogicalID, Port: freePort(t)}})
			res, err := l.Invoke(t.Context(), tc.fn, []byte(`{}`))
			if err == nil && !strings.Contains(string(res.Payload), tc.want) {
				t.Fatalf("result %s, want an init error saying %q", res.Payload, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.want) && !strings.Contains(string(res.Payload), tc.want) {
				t.Fatalf("err = %v (%s), want %q", err, res.Payload, tc.want)
			}
		})
	}
}

// webSocket is the smallest client the inspector needs: text frames,
// client-masked, unfragmented (RFC 6455).
type webSocket struct {
	net.Conn
	r *bufio.Reader
}

func dialWebSocket(t *testing.T, raw string) *webSocket {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	_, err = io.WriteString(c, "GET "+u.RequestURI()+" HTTP/1.1\r\nHost: "+u.Host+"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "+
		base64.StdEncoding.EncodeToString(key)+"\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("websocket handshake: %v %v", resp, err)
	}
	return &webSocket{Conn: c, r: r}
}

func (w *webSocket) send(t *testing.T, msg string) {
	t.Helper()
	frame := []byte{0x81}
	switch n := len(msg); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	default:
		frame = append(frame, 0x80|126, byte(n>>8), byte(n))
	}
	mask := make([]byte, 4)
	_, _ = rand.Read(mask)
	frame = append(frame, mask...)
	for i := range len(msg) {
		frame = append(frame, msg[i]^mask[i%4])
	}
	if _, err := w.Write(frame); err != nil {
		t.Fatal(err)
	}
}

func (w *webSocket) read(t *testing.T) []byte {
	t.Helper()
	var h [2]byte
	if _, err := io.ReadFull(w.r, h[:]); err != nil {
		t.Fatal(err)
	}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, _ = io.ReadFull(w.r, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, _ = io.ReadFull(w.r, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(w.r, buf); err != nil {
		t.Fatal(err)
	}
	return buf
}
