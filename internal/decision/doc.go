// Package decision records, for the admin listener's decision view, what
// the pipeline decided for each recent request and why: the route, the
// identity sources found (masked), the authorizer cache key hash, hit or
// miss with the entry's age and the request that filled it, the
// authorizer's event and answer, the deciding policy statement, the
// resource policy phase, the gateway response and the execution-log
// explanation.
//
// A Ring keeps the last N records in memory and pushes each finished one
// to its subscribers (the view's server-sent events). Nothing is kept
// beyond the ring, and identity values are stored masked.
//
// The pipeline finds the request's Trace in its context (From). When the
// view is off there is no Trace: every hook is one nil check on a context
// lookup and allocates nothing. When it is on, hooks store raw values (Arg,
// Text) in storage the Ring recycles, and records are formatted only when
// read, from snapshots: the request pays one small allocation.
package decision
