# METADATA
# title: SSH commands
# description: |
#   Deny and review reasons for a classified shell command
#   (input.command.program, argv, sudo). Destructive commands are denied on
#   every target; privileged and unknown ones need approval where the
#   target's profile says so; read-only ones pass. Lists live in
#   data.portcullis.ssh.
package portcullis.command.ssh

import data.portcullis.lib.targets

profile := data.portcullis.ssh.profiles[targets.profile]

argv := object.get(input.command, "argv", [])

# "/usr/sbin/mkfs.ext4" and "mkfs.ext4" are the same program to a rule.
program := base_name(input.command.program)

arguments := array.slice(argv, 1, count(argv))

# Every other rule keys on the program, so a command without one cannot be judged.
deny contains "shell command names no program" if not names_program

names_program if {
	is_string(input.command.program)
	input.command.program != ""
}

deny contains msg if {
	some denied in data.portcullis.ssh.deny_programs
	program == denied
	msg := concat("", ["program ", program, " is not allowed"])
}

deny contains msg if {
	some prefix in data.portcullis.ssh.deny_program_prefixes
	startswith(program, prefix)
	msg := concat("", ["program ", program, " is not allowed"])
}

deny contains msg if {
	some argument in arguments
	argument in object.get(data.portcullis.ssh.deny_subcommands, program, [])
	msg := concat("", [program, " ", argument, " is not allowed"])
}

deny contains msg if {
	program == "rm"
	recursive
	some argument in arguments
	normalized_path(argument) in protected_paths
	msg := concat("", ["rm -r on ", argument, " is not allowed"])
}

deny contains "rm --no-preserve-root is not allowed" if {
	program == "rm"
	"--no-preserve-root" in arguments
}

deny contains msg if {
	program == "dd"
	some argument in arguments
	startswith(argument, "of=/dev/")
	not argument in data.portcullis.ssh.harmless_devices
	msg := concat("", ["dd onto device ", trim_prefix(argument, "of="), " is not allowed"])
}

review contains "sudo runs the command with elevated privileges" if {
	profile.review_sudo
	input.command.sudo == true
}

review contains msg if {
	profile.review_privileged_subcommands
	some argument in arguments
	argument in object.get(data.portcullis.ssh.privileged_subcommands, program, [])
	msg := concat("", [program, " ", argument, " needs approval on target ", input.target.name])
}

review contains msg if {
	profile.review_unknown_programs
	not read_only
	msg := concat("", ["program ", program, " is not known to be read-only"])
}

read_only if program in data.portcullis.ssh.read_only_programs

# rm -r, -R, -rf, -fr, --recursive: short options may be bundled.
recursive if {
	some argument in arguments
	regex.match(`^-[A-Za-z]*[rR][A-Za-z]*$`, argument)
}

recursive if "--recursive" in arguments

# "/etc", "/etc/" and "/etc/*" all name the tree under /etc; "/" and "/*"
# normalize to "", which stands for the root itself.
protected_paths := {normalized_path(path) | some path in data.portcullis.ssh.protected_paths}

normalized_path(path) := trim_suffix(trim_suffix(path, "*"), "/")

base_name(path) := parts[count(parts) - 1] if {
	parts := split(path, "/")
}
