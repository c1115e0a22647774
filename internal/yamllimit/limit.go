package yamllimit

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MaxNodes is how many nodes a document may stand for with every alias
// expanded. CloudFormation's largest template (1 MB, uploaded through S3,
// "CloudFormation quotas") parses to a few hundred thousand nodes, so this
// leaves room for any real use of anchors while a bomb is stopped at a few
// hundred MB of copies at most.
const MaxNodes = 1_000_000

// Error is a document whose aliases expand past the limit, positioned at
// the alias that crossed it.
type Error struct {
	Line, Col int
	// Anchor is the alias's anchor name.
	Anchor string
	// Nodes is how many nodes that alias alone stands for (capped just
	// over the limit).
	Nodes int
	Limit int
	// Cycle is set when the alias refers to a node that contains it.
	Cycle bool
}

func (e *Error) Error() string {
	if e.Anchor == "" {
		return fmt.Sprintf("the YAML document has more than %d nodes", e.Limit)
	}
	if e.Cycle {
		return fmt.Sprintf("YAML alias *%s refers to a node that contains it", e.Anchor)
	}
	more := ""
	if e.Nodes > e.Limit {
		more = " more than"
	}
	return fmt.Sprintf("YAML aliases expand the document past %d nodes: alias *%s here alone stands for%s %d; refusing what looks like an alias bomb",
		e.Limit, e.Anchor, more, min(e.Nodes, e.Limit))
}

// Check counts the nodes doc stands for with its aliases expanded, in
// document order, and returns an *Error at the first alias that takes the
// count past MaxNodes. It visits each parsed node once.
func Check(doc *yaml.Node) error { return CheckLimit(doc, MaxNodes) }

// CheckLimit is Check with another limit.
func CheckLimit(doc *yaml.Node, limit int) error {
	c := &counter{limit: limit, sizes: map[*yaml.Node]int{}, active: map[*yaml.Node]bool{}}
	return c.walk(doc)
}

type counter struct {
	limit  int
	total  int
	sizes  map[*yaml.Node]int // expanded size of each aliased node
	active map[*yaml.Node]bool
}

func (c *counter) walk(n *yaml.Node) error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		size, cycle := c.size(n.Alias)
		if cycle {
			return &Error{Line: n.Line, Col: n.Column, Anchor: n.Value, Cycle: true, Limit: c.limit}
		}
		c.total = sat(c.total, size, c.limit)
		if c.total > c.limit {
			return &Error{Line: n.Line, Col: n.Column, Anchor: n.Value, Nodes: size, Limit: c.limit}
		}
		return nil
	}
	c.total = sat(c.total, 1, c.limit)
	if c.total > c.limit {
		return &Error{Line: n.Line, Col: n.Column, Limit: c.limit, Nodes: c.total}
	}
	for _, ch := range n.Content {
		if err := c.walk(ch); err != nil {
			return err
		}
	}
	return nil
}

// size is the number of nodes n stands for, saturated just over the limit;
// cycle reports an alias inside n that leads back to n.
func (c *counter) size(n *yaml.Node) (int, bool) {
	if n == nil {
		return 0, false
	}
	if s, ok := c.sizes[n]; ok {
		return s, false
	}
	if c.active[n] {
		return 0, true
	}
	c.active[n] = true
	defer delete(c.active, n)
	var s int
	if n.Kind == yaml.AliasNode {
		inner, cycle := c.size(n.Alias)
		if cycle {
			return 0, true
		}
		s = inner
	} else {
		s = 1
		for _, ch := range n.Content {
			cs, cycle := c.size(ch)
			if cycle {
				return 0, true
			}
			s = sat(s, cs, c.limit)
		}
	}
	c.sizes[n] = s
	return s, false
}

// sat adds without passing limit+1, so that sizes cannot overflow.
func sat(a, b, limit int) int {
	if a > limit-b {
		return limit + 1
	}
	return a + b
}
