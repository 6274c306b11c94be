# METADATA
# title: Session decision
# description: |
#   May this identity open a session to this target? Entry point
#   portcullis/session/decision. Unknown identities are denied; a target (or
#   the grant that lets the identity in) can demand just-in-time approval
#   before the session opens.
package portcullis.session

import data.portcullis.lib.decision
import data.portcullis.lib.identity
import data.portcullis.lib.targets

deny contains msg if some msg in identity.deny

deny contains "target protocol is not supported" if not supported_protocol

supported_protocol if input.target.protocol in {"postgres", "ssh"}

review contains msg if {
	targets.config.session_review == true
	msg := concat("", ["target ", identity.target_text, " requires approval to open a session"])
}

review contains msg if {
	some name in identity.matching_grants
	data.portcullis.grants[name].session_review == true
	msg := concat("", ["grant ", name, " requires approval to open a session"])
}

decision := object.union(decision.make(deny, review, []), {"upstream": upstream}) if {
	upstream_name
} else := decision.make(deny, review, [])
