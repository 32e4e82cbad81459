package consent

// Purpose is one reason for which a site may set cookies. The set is fixed:
// a banner that lets owners invent purposes makes receipts incomparable
// across sites and versions.
type Purpose string

const (
	Necessary  Purpose = "necessary"
	Statistics Purpose = "statistics"
	Marketing  Purpose = "marketing"
)

// Purposes lists every purpose in the order the banner shows them.
var Purposes = []Purpose{Necessary, Statistics, Marketing}

// OptionalPurposes are the ones a visitor can refuse.
var OptionalPurposes = []Purpose{Statistics, Marketing}

// Choices is a visitor's decision for every purpose.
type Choices struct {
	Necessary  bool `json:"necessary"`
	Statistics bool `json:"statistics"`
	Marketing  bool `json:"marketing"`
}

// Granted reports the choice for one purpose.
func (c Choices) Granted(p Purpose) bool {
	switch p {
	case Necessary:
		return c.Necessary
	case Statistics:
		return c.Statistics
	case Marketing:
		return c.Marketing
	}
	return false
}

// Action is what the visitor did to produce a receipt.
type Action string

const (
	AcceptAll Action = "accept_all"
	RejectAll Action = "reject_all"
	Custom    Action = "custom"
	Withdraw  Action = "withdraw"
	// GPC is recorded when the browser's Global Privacy Control signal
	// decided on the visitor's behalf.
	GPC Action = "gpc"
)

// Actions lists every action, in the order the dashboard shows them.
var Actions = []Action{AcceptAll, RejectAll, Custom, Withdraw, GPC}

func (a Action) valid() bool {
	for _, x := range Actions {
		if a == x {
			return true
		}
	}
	return false
}

// Surface is the part of the UI where the decision was taken.
type Surface string

const (
	SurfaceBanner   Surface = "banner"
	SurfaceSettings Surface = "settings"
	SurfaceAPI      Surface = "api"
	// SurfaceEmbed is an embed's placeholder, whose button grants the
	// purpose the embedded content needs.
	SurfaceEmbed Surface = "embed"
)

var surfaces = []Surface{SurfaceBanner, SurfaceSettings, SurfaceAPI, SurfaceEmbed}

func (s Surface) valid() bool {
	for _, x := range surfaces {
		if s == x {
			return true
		}
	}
	return false
}
