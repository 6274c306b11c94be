# METADATA
# title: Decision shape
# description: |
#   Turns sets of deny and review reasons into the decision object both
#   entrypoints return. Strictest wins: any deny makes allow false and no
#   approval can lift it; review reasons make allow false until the request
#   is approved (input.approval.granted).
package portcullis.lib.decision

import data.portcullis.lib.targets

make(denials, reviews, mask) := {
	"allow": allowed(denials, reviews),
	"deny": sort(denials),
	"review": {
		"required": review_required(denials, reviews),
		"reasons": sort(reviews),
		"approver_groups": targets.review_settings.approver_groups,
		"ttl_seconds": targets.review_settings.ttl_seconds,
		"min_approvals": targets.review_settings.min_approvals,
	},
	"mask": mask,
}

# A denied request is not offered for review: approval cannot override a deny.
review_required(denials, reviews) := false if {
	count(denials) > 0
} else := false if {
	input.approval.granted == true
} else := count(reviews) > 0

allowed(denials, reviews) if {
	count(denials) == 0
	review_required(denials, reviews) == false
} else := false
