# METADATA
# title: Targets
# description: |
#   What the policies know about the target of a request: its operator
#   configuration (data.portcullis.targets[name]) and which profile of rules
#   applies to it. A target is "production" when one of its labels matches
#   data.portcullis.production_labels, so operators mark targets by label and
#   never edit rules to do it.
package portcullis.lib.targets

# Unknown targets get an empty configuration: every rule then falls back to
# the global defaults, which are the strict ones. The else also covers an
# input without a target name, which must still get a (denying) decision.
config := target if {
	target := data.portcullis.targets[input.target.name]
} else := {}

production if {
	some key, values in data.portcullis.production_labels
	input.target.labels[key] in values
}

profile := "production" if {
	production
} else := "default"

# Approval settings: global defaults, overridden per target.
review_settings := object.union(data.portcullis.review_defaults, object.get(config, "review", {}))
