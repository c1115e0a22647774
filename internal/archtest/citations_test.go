package archtest

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const behaviourDoc = "docs/behaviour.md"

var (
	anchorRE   = regexp.MustCompile(`<a id="([A-Za-z0-9_-]+)"></a>`)
	citationRE = regexp.MustCompile(`behaviour\.md#([A-Za-z0-9_-]+)`)
	// The retired numbered specification: "spec §6.1", "§12.3", decisions
	// D1–D19, and the document's own name.
	legacyRE = regexp.MustCompile(`§\s*\d|\bD(?:1[0-9]|[1-9])\b|rest-authorization\.md`)
	// A test named as pinning a rule: `pkg.TestName` or `pkg.TestName/sub`.
	pinnedRE = regexp.MustCompile("`([a-z0-9]+)\\.((?:Test|Example|Fuzz|Benchmark)[A-Za-z0-9_]*)(?:/[^`]*)?`")
)

// textFile reports whether a repository file is text we write: code,
// documents, templates, scripts.
func textFile(path string) bool {
	switch filepath.Ext(path) {
	case ".go", ".md", ".yaml", ".yml", ".txt", ".txtar", ".js", ".cjs", ".mjs", ".py", ".sh", ".lua", ".conf":
		return true
	}
	switch filepath.Base(path) {
	case "Makefile", "run":
		return true
	}
	return false
}

// repoFiles walks the repository's own files (not .git, node_modules or
// build output), relative to its root.
func repoFiles(t *testing.T) []string {
	t.Helper()
	root := repoRoot(t)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "__pycache__", "bin", "out":
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if textFile(rel) {
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readRepoFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// anchors are the rule anchors and the heading ids of the behaviour
// reference.
func anchors(t *testing.T) map[string]bool {
	t.Helper()
	doc := readRepoFile(t, behaviourDoc)
	ids := map[string]bool{}
	for _, m := range anchorRE.FindAllStringSubmatch(doc, -1) {
		if ids[m[1]] {
			t.Errorf("%s: anchor %s defined twice", behaviourDoc, m[1])
		}
		ids[m[1]] = true
	}
	for _, line := range strings.Split(doc, "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			ids[strings.ReplaceAll(strings.ToLower(strings.TrimSpace(h)), " ", "-")] = true
		}
	}
	if len(ids) < 20 {
		t.Fatalf("%s has only %d anchors", behaviourDoc, len(ids))
	}
	return ids
}

var rfcRE = regexp.MustCompile(`RFC \d+[\s/#]*$`)

// rfcSection reports whether the text before a § names an RFC ("RFC 3986
// §5.2.4", possibly across a comment line break): those sections are not
// ours.
func rfcSection(before string) bool {
	if len(before) > 40 {
		before = before[len(before)-40:]
	}
	return rfcRE.MatchString(before)
}

// lineOf is the 1-based line of byte offset i in s.
func lineOf(s string, i int) int { return strings.Count(s[:i], "\n") + 1 }

// TestCitations_Resolve: every docs/behaviour.md#… anchor cited anywhere in
// the repository names an anchor that exists, and nothing cites the
// numbered specification the reference replaced.
func TestCitations_Resolve(t *testing.T) {
	ids := anchors(t)
	cited := 0
	for _, f := range repoFiles(t) {
		text := readRepoFile(t, f)
		for _, m := range citationRE.FindAllStringSubmatchIndex(text, -1) {
			cited++
			if id := text[m[2]:m[3]]; !ids[id] {
				t.Errorf("%s:%d: cites %s#%s, which does not exist", f, lineOf(text, m[0]), behaviourDoc, id)
			}
		}
		if f == behaviourDoc || f == "internal/archtest/citations_test.go" {
			continue
		}
		for _, m := range legacyRE.FindAllStringIndex(text, -1) {
			if rfcSection(text[:m[0]]) {
				continue
			}
			t.Errorf("%s:%d: %q cites the retired numbered specification; cite a rule of %s instead", f, lineOf(text, m[0]), text[m[0]:m[1]], behaviourDoc)
		}
	}
	if cited < 50 {
		t.Errorf("found only %d citations of %s; the scan is broken", cited, behaviourDoc)
	}
}

// TestBehaviourRules_NameSourceAndTest: each rule says where AWS states it
// and which test pins it.
func TestBehaviourRules_NameSourceAndTest(t *testing.T) {
	doc := readRepoFile(t, behaviourDoc)
	var rule []string
	check := func() {
		if len(rule) == 0 {
			return
		}
		text := strings.Join(rule, " ")
		id := anchorRE.FindStringSubmatch(text)[1]
		for _, want := range []string{"*Source:*", "*Pinned by:*"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: rule %s has no %s", behaviourDoc, id, want)
			}
		}
		if !pinnedRE.MatchString(text) {
			t.Errorf("%s: rule %s names no test", behaviourDoc, id)
		}
		rule = nil
	}
	for _, line := range strings.Split(doc, "\n") {
		switch {
		case strings.HasPrefix(line, "- <a id="):
			check()
			rule = []string{line}
		case len(rule) > 0 && strings.HasPrefix(line, "  "):
			rule = append(rule, line)
		default:
			check()
		}
	}
	check()
}

// TestPinnedTestsExist: every test the behaviour reference or the
// compatibility table names exists, so a renamed or deleted test cannot
// leave a rule unpinned.
func TestPinnedTestsExist(t *testing.T) {
	dirs := map[string][]string{} // package directory name → directories
	for _, p := range listPackages(t) {
		name := filepath.Base(p.Dir)
		dirs[name] = append(dirs[name], p.Dir)
	}
	funcs := map[string][]string{} // directory → test function names
	testsIn := func(dir string) []string {
		if fs, ok := funcs[dir]; ok {
			return fs
		}
		var names []string
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range regexp.MustCompile(`(?m)^func ((?:Test|Example|Fuzz|Benchmark)[A-Za-z0-9_]*)\(`).FindAllStringSubmatch(string(data), -1) {
				names = append(names, m[1])
			}
		}
		funcs[dir] = names
		return names
	}
	named := 0
	for _, doc := range []string{behaviourDoc, "docs/compatibility.md"} {
		text := readRepoFile(t, doc)
		for _, m := range pinnedRE.FindAllStringSubmatchIndex(text, -1) {
			named++
			pkg, fn := text[m[2]:m[3]], text[m[4]:m[5]]
			ds, ok := dirs[pkg]
			if !ok {
				t.Errorf("%s:%d: `%s.%s`: no package directory %s", doc, lineOf(text, m[0]), pkg, fn, pkg)
				continue
			}
			found := false
			for _, d := range ds {
				if slices.Contains(testsIn(d), fn) {
					found = true
				}
			}
			if !found {
				t.Errorf("%s:%d: `%s.%s` does not exist", doc, lineOf(text, m[0]), pkg, fn)
			}
		}
	}
	if named < 50 {
		t.Errorf("found only %d named tests; the scan is broken", named)
	}
}
