package openapi

import (
	"bytes"
	"strings"
)

// The txtar format (golang.org/x/tools/txtar) is read and written here
// because go-internal's txtar package now forwards to x/tools, which this
// module does not require: a comment, then files each introduced by a
// "-- name --" line.

type archive struct {
	comment []byte
	files   []archiveFile
}

type archiveFile struct {
	name string
	data []byte
}

func parseArchive(data []byte) *archive {
	a := &archive{}
	var cur *[]byte = &a.comment
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte("\n"))
		data = rest
		s := string(line)
		if name, ok := strings.CutPrefix(s, "-- "); ok && strings.HasSuffix(name, " --") && len(name) > 3 {
			a.files = append(a.files, archiveFile{name: strings.TrimSpace(strings.TrimSuffix(name, " --"))})
			cur = &a.files[len(a.files)-1].data
			continue
		}
		*cur = append(*cur, line...)
		*cur = append(*cur, '\n')
	}
	return a
}

func (a *archive) format() []byte {
	var b bytes.Buffer
	b.Write(fixNL(a.comment))
	for _, f := range a.files {
		b.WriteString("-- " + f.name + " --\n")
		b.Write(fixNL(f.data))
	}
	return b.Bytes()
}

func fixNL(d []byte) []byte {
	if len(d) == 0 || d[len(d)-1] == '\n' {
		return d
	}
	return append(d, '\n')
}
