package gwresponse

// Templates are compiled once into literal and variable parts. A variable
// is "$name.path" or "${name.path}" where name is context or stageVariables;
// $context.authorizer.claims['custom:x'] uses the bracket form for names
// with colons. Anything that is not a known variable stays literal text,
// which is what API Gateway's plain substitution does.

import "strings"

type part struct {
	lit string
	// variable path after the root, e.g. "error.messageString" for
	// $context.error.messageString; root is "context" or "stageVariables".
	root, path string
}

type template []part

func compileTemplate(s string) template {
	var t template
	var lit strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			lit.WriteByte(s[i])
			i++
			continue
		}
		root, path, n := scanVar(s[i:])
		if n == 0 {
			lit.WriteByte(s[i])
			i++
			continue
		}
		if lit.Len() > 0 {
			t = append(t, part{lit: lit.String()})
			lit.Reset()
		}
		t = append(t, part{root: root, path: path})
		i += n
	}
	if lit.Len() > 0 {
		t = append(t, part{lit: lit.String()})
	}
	return t
}

// scanVar reads a variable reference at the start of s (which begins with
// '$') and returns its root, path and length, or n == 0 if there is none.
func scanVar(s string) (root, path string, n int) {
	braced := strings.HasPrefix(s, "${")
	start := 1
	if braced {
		start = 2
	}
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '.' || c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			i++
		case c == '[' && strings.HasPrefix(s[i:], "['"):
			end := strings.Index(s[i:], "']")
			if end < 0 {
				goto done
			}
			i += end + 2
		default:
			goto done
		}
	}
done:
	name := strings.TrimRight(s[start:i], ".")
	i = start + len(name)
	if braced {
		if i >= len(s) || s[i] != '}' {
			return "", "", 0
		}
		i++
	}
	r, p, ok := strings.Cut(name, ".")
	if !ok && !strings.Contains(name, "[") {
		p = ""
	}
	switch r {
	case "context", "stageVariables":
	default:
		return "", "", 0
	}
	if p == "" {
		return "", "", 0
	}
	// claims['custom:role'] → claims.custom:role
	p = strings.NewReplacer("['", ".", "']", "").Replace(p)
	return r, p, i
}
