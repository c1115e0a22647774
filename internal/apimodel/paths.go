package apimodel

import (
	"fmt"
	"regexp"
	"strings"
)

// pathPartRE is one path part of a resource. API Gateway's own rule, in its
// own words (CreateResource): "Resource's path part only allow a-zA-Z0-9._-
// and curly braces at the beginning and the end and an optional plus sign
// before the closing brace." The colon is accepted too, for paths such as
// /v1/items:batch.
var pathPartRE = regexp.MustCompile(`^([A-Za-z0-9._:-]+|\{[A-Za-z0-9._-]+\+?\})$`)

// ValidPathPart reports whether part may be one path part of a resource.
func ValidPathPart(part string) bool { return pathPartRE.MatchString(part) }

// IsVariablePart reports whether part is {name} or {name+}.
func IsVariablePart(part string) bool { return strings.HasPrefix(part, "{") }

// CheckPath checks a full resource path template ("/users/{id}"): it must
// start with /, have no empty or malformed part, no trailing slash, and a
// greedy variable only as its last part.
func CheckPath(path string) error {
	if path == "/" {
		return nil
	}
	if !strings.HasPrefix(path, "/") {
		return fmt.Errorf("path %q must start with /", path)
	}
	if strings.HasSuffix(path, "/") {
		return fmt.Errorf("path %q must not end with /", path)
	}
	parts := strings.Split(path[1:], "/")
	for i, part := range parts {
		switch {
		case part == "":
			return fmt.Errorf("path %q has an empty path part", path)
		case !ValidPathPart(part):
			return fmt.Errorf("path part %q is malformed: Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace", part)
		case strings.HasSuffix(part, "+}") && i != len(parts)-1:
			return fmt.Errorf("greedy path part %s must be the last part of the path", part)
		}
	}
	return nil
}

// parentPath is the path of the resource above path ("/" for "/a").
func parentPath(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// lastPart is the last path part of path ("" for "/").
func lastPart(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}
