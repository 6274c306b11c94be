# METADATA
# title: Command decision
# description: |
#   May this statement (PostgreSQL) or shell command (SSH) run? Entry point
#   portcullis/command/decision. The identity must still hold a grant for the
#   target; then the protocol's rules add deny and review reasons, and
#   PostgreSQL reads get their masks.
package portcullis.command

import data.portcullis.command.masking
import data.portcullis.command.postgres
import data.portcullis.command.ssh
import data.portcullis.lib.decision
import data.portcullis.lib.identity

deny contains msg if some msg in identity.deny

deny contains "command protocol is not supported" if not supported_protocol

supported_protocol if input.command.protocol in {"postgres", "ssh"}

deny contains "command protocol differs from the target's protocol" if {
	input.command.protocol != input.target.protocol
}

deny contains msg if {
	input.command.protocol == "postgres"
	some msg in postgres.deny
}

deny contains msg if {
	input.command.protocol == "ssh"
	some msg in ssh.deny
}

review contains msg if {
	input.command.protocol == "postgres"
	some msg in postgres.review
}

review contains msg if {
	input.command.protocol == "ssh"
	some msg in ssh.review
}

mask := masking.mask if input.command.protocol == "postgres"

else := []

decision := object.union(decision.make(deny, review, mask), extras)

# Without a clock a decision may not be reused at all (no reuse_until_ns).
extras := {"mask_derived": masking.derived, "reuse_until_ns": identity.reuse_until_ns} if {
	identity.reuse_until_ns
} else := {"mask_derived": masking.derived}
