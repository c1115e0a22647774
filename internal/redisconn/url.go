package redisconn

// URL forms, one scheme per deployment shape. The shape is named by the
// scheme rather than guessed from the number of hosts: one cluster seed and
// one standalone server look alike, and a client that guesses wrong either
// fails on MOVED replies or writes to a node that does not own the slot.
//
//	redis://[user:password@]host:port[/db]             one server (or Valkey)
//	rediss://...                                       the same over TLS
//	redis-cluster://[user:password@]h1:p1,h2:p2,...    Redis Cluster seeds
//	rediss-cluster://...                               the same over TLS
//	redis-sentinel://[user:password@]s1:p1,s2:p2[/db]?master=NAME
//	rediss-sentinel://...                              the same over TLS
//
// Sentinel's master name is a query parameter, not the URL's user part,
// because the user part already carries the credentials of the data nodes
// (the same ones Sentinel hands out), and a URL whose userinfo means a name
// in one scheme and a login in another is easy to get wrong. Cluster has no
// database number: Redis Cluster only has database 0.

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Kind is the deployment shape a URL names.
type Kind string

const (
	Standalone Kind = "standalone"
	Cluster    Kind = "cluster"
	Sentinel   Kind = "sentinel"
)

// Options are the connection settings Parse reads from a URL.
type Options struct {
	Kind     Kind
	Addrs    []string
	Username string
	Password string
	DB       int
	// Master is the Sentinel master name.
	Master string
	TLS    bool
}

// Parse reads a --cache URL. Every error names what is wrong with it.
func Parse(raw string) (Options, error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return Options{}, fmt.Errorf("%q: want redis://HOST:PORT, redis-cluster://HOST:PORT,... or redis-sentinel://HOST:PORT,...?master=NAME", raw)
	}
	var o Options
	switch scheme {
	case "redis", "rediss":
		o.Kind = Standalone
	case "redis-cluster", "rediss-cluster":
		o.Kind = Cluster
	case "redis-sentinel", "rediss-sentinel":
		o.Kind = Sentinel
	default:
		return Options{}, fmt.Errorf("%q: unknown scheme %q (want redis, rediss, redis-cluster, rediss-cluster, redis-sentinel or rediss-sentinel)", raw, scheme)
	}
	o.TLS = strings.HasPrefix(scheme, "rediss")

	// The host list is cut out before url.Parse, which accepts one host.
	userinfo, hostsAndTail := "", rest
	if i := strings.IndexAny(rest, "/?"); i >= 0 {
		if at := strings.LastIndex(rest[:i], "@"); at >= 0 {
			userinfo, hostsAndTail = rest[:at], rest[at+1:]
		}
	} else if at := strings.LastIndex(rest, "@"); at >= 0 {
		userinfo, hostsAndTail = rest[:at], rest[at+1:]
	}
	hosts, tail := hostsAndTail, ""
	if i := strings.IndexAny(hostsAndTail, "/?"); i >= 0 {
		hosts, tail = hostsAndTail[:i], hostsAndTail[i:]
	}
	for _, h := range strings.Split(hosts, ",") {
		if h == "" {
			return Options{}, fmt.Errorf("%q: empty host", raw)
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = h, "6379"
			if o.Kind == Sentinel {
				port = "26379"
			}
		}
		if host == "" {
			return Options{}, fmt.Errorf("%q: host %q has no name", raw, h)
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return Options{}, fmt.Errorf("%q: host %q: port %q is not a number from 1 to 65535", raw, h, port)
		}
		o.Addrs = append(o.Addrs, net.JoinHostPort(host, port))
	}
	if o.Kind == Standalone && len(o.Addrs) > 1 {
		return Options{}, fmt.Errorf("%q: %s names one server; use redis-cluster:// for a cluster's seeds or redis-sentinel:// for sentinels", raw, scheme)
	}
	prefix := "redis://"
	if userinfo != "" {
		prefix += userinfo + "@"
	}
	u, err := url.Parse(prefix + "h" + tail)
	if err != nil {
		return Options{}, fmt.Errorf("%q: %v", raw, err)
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
		if _, set := u.User.Password(); !set {
			// redis://secret@host: a lone userinfo is the password, as
			// redis-cli and go-redis read it.
			o.Username, o.Password = "", u.User.Username()
		}
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if o.Kind == Cluster {
			return Options{}, fmt.Errorf("%q: Redis Cluster has only database 0; drop the /%s", raw, p)
		}
		db, err := strconv.Atoi(p)
		if err != nil || db < 0 {
			return Options{}, fmt.Errorf("%q: database %q is not a number", raw, p)
		}
		o.DB = db
	}
	q := u.Query()
	if m := q.Get("master"); m != "" {
		if o.Kind != Sentinel {
			return Options{}, fmt.Errorf("%q: master= is for redis-sentinel:// URLs", raw)
		}
		o.Master = m
	}
	q.Del("master")
	for k := range q {
		return Options{}, fmt.Errorf("%q: unknown parameter %q", raw, k)
	}
	if o.Kind == Sentinel && o.Master == "" {
		return Options{}, fmt.Errorf("%q: a redis-sentinel:// URL needs ?master=NAME, the name Sentinel monitors the primary by", raw)
	}
	return o, nil
}

// Timeouts are what the caller tunes for its place on the request path.
type Timeouts struct {
	// Timeout bounds dialing and each read and write. Zero means 250 ms.
	Timeout time.Duration
}

// NewClient connects a UniversalClient for o. It does not dial: go-redis
// connects on first use, so a server that is down now is not an error.
func NewClient(o Options, t Timeouts) redis.UniversalClient {
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 250 * time.Millisecond
	}
	uo := &redis.UniversalOptions{
		Addrs:         o.Addrs,
		Username:      o.Username,
		Password:      o.Password,
		DB:            o.DB,
		MasterName:    o.Master,
		IsClusterMode: o.Kind == Cluster,
		DialTimeout:   timeout,
		ReadTimeout:   timeout,
		WriteTimeout:  timeout,
		// One quick retry hides a pooled connection that a server restart
		// closed; more would only delay the fallback.
		MaxRetries:         1,
		MinRetryBackoff:    5 * time.Millisecond,
		MaxRetryBackoff:    20 * time.Millisecond,
		DialerRetries:      1,
		DialerRetryTimeout: 10 * time.Millisecond,
		// A cluster that lost a primary answers MOVED/CLUSTERDOWN; two
		// redirects follow a resharding, more only add latency.
		MaxRedirects: 2,
	}
	if o.TLS {
		uo.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		if len(o.Addrs) == 1 {
			host, _, _ := net.SplitHostPort(o.Addrs[0])
			uo.TLSConfig.ServerName = host
		}
	}
	return redis.NewUniversalClient(uo)
}

// Dial parses raw and returns a client for it.
func Dial(raw string, t Timeouts) (redis.UniversalClient, Options, error) {
	o, err := Parse(raw)
	if err != nil {
		return nil, Options{}, err
	}
	return NewClient(o, t), o, nil
}
