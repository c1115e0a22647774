package vtl

// The template tree. Nodes keep the byte offset they start at, turned into
// a line and column only when an error is reported.

type node interface{}

type (
	textNode struct{ s string }
	// refNode outputs a reference; raw is its source text.
	refNode struct {
		ref   *refExpr
		quiet bool
	}
	setNode struct {
		target *refExpr
		val    expr
		off    int
	}
	ifNode struct {
		conds  []expr
		bodies [][]node
		els    []node
	}
	foreachNode struct {
		name string
		iter expr
		body []node
		off  int
	}
	breakNode struct{}
	stopNode  struct{}
)

type expr interface{}

type (
	litExpr struct{ v any }
	// strExpr is an interpolated double-quoted string.
	strExpr   struct{ parts []node }
	listExpr  struct{ items []expr }
	rangeExpr struct {
		from, to expr
		off      int
	}
	mapExpr struct{ keys, vals []expr }
	refExpr struct {
		name  string
		chain []accessor
		off   int
	}
	unaryExpr struct {
		op string
		x  expr
	}
	binaryExpr struct {
		op   string
		x, y expr
		off  int
	}
)

type accKind uint8

const (
	accProp accKind = iota
	accMethod
	accIndex
)

type accessor struct {
	kind accKind
	name string
	args []expr // accMethod; accIndex holds one
	off  int
}
