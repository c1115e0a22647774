package gateway

import "github.com/portcullis-gateway/portcullis/internal/router"

type routerParam = router.Param
