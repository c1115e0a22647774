// Package yamllimit bounds what a YAML document may expand to before a
// loader walks it. A YAML alias (*a) stands for the whole node its anchor
// (&a) names, so a few hundred bytes of nested aliases ("billion laughs")
// stand for billions of nodes; yaml.v3 keeps aliases as pointers when it
// decodes into a yaml.Node, but every loader that copies or evaluates the
// tree (the template loader's intrinsics, merge keys) expands them. Both
// definition loaders, template and openapi, call Check right after
// decoding, so a template bomb is refused at load with its position
// instead of taking the machine's memory.
package yamllimit
