package gateway

import (
	"net/url"
	"strings"

	"github.com/portcullis-gateway/portcullis/internal/router"
)

type routerParam = router.Param

func unescapePath(p string) string {
	if strings.IndexByte(p, '%') < 0 {
		return p
	}
	u, err := url.PathUnescape(p)
	if err != nil {
		return p
	}
	return u
}
