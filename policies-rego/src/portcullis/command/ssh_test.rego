package portcullis.command.ssh_test

import data.portcullis.command
import data.portcullis.testing

decide(target, argv) := d if {
	d := command.decision with input as testing.shell(target, argv, false)
}

test_read_only_commands_are_allowed_on_production if {
	d := decide(testing.prod_host, ["ls", "-la", "/var/log"])
	d.allow
	decide(testing.prod_host, ["/usr/bin/tail", "-n", "20", "/var/log/syslog"]).allow
}

test_rm_rf_root_is_denied_everywhere if {
	decide(testing.dev_host, ["rm", "-rf", "/"]).deny == ["rm -r on / is not allowed"]
	decide(testing.dev_host, ["rm", "-fR", "/*"]).deny == ["rm -r on /* is not allowed"]
	decide(testing.dev_host, ["rm", "--recursive", "--force", "/etc/"]).deny == ["rm -r on /etc/ is not allowed"]
	decide(testing.dev_host, ["rm", "-rf", "/tmp/build"]).allow
	decide(testing.dev_host, ["rm", "-f", "/etc"]).allow
}

test_rm_no_preserve_root_is_denied if {
	"rm --no-preserve-root is not allowed" in decide(testing.dev_host, ["rm", "--no-preserve-root", "-r", "/"]).deny
}

test_mkfs_and_shutdown_are_denied if {
	decide(testing.dev_host, ["/sbin/mkfs.ext4", "/dev/sdb1"]).deny == ["program mkfs.ext4 is not allowed"]
	decide(testing.dev_host, ["shutdown", "-h", "now"]).deny == ["program shutdown is not allowed"]
	decide(testing.dev_host, ["systemctl", "poweroff"]).deny == ["systemctl poweroff is not allowed"]
}

test_dd_onto_devices_is_denied if {
	decide(testing.dev_host, ["dd", "if=/dev/zero", "of=/dev/sda", "bs=1M"]).deny == ["dd onto device /dev/sda is not allowed"]
	decide(testing.dev_host, ["dd", "if=/dev/sda", "of=/dev/null"]).allow
}

test_sudo_needs_review_on_production if {
	d := command.decision with input as testing.shell(testing.prod_host, ["cat", "/etc/shadow"], true)
	d.review.reasons == ["sudo runs the command with elevated privileges"]
	not d.allow
	d.review.approver_groups == ["sre-oncall"]
	dev := command.decision with input as testing.shell(testing.dev_host, ["cat", "/etc/shadow"], true)
	dev.allow
}

test_service_restart_needs_review_on_production if {
	d := decide(testing.prod_host, ["systemctl", "restart", "nginx"])
	d.review.reasons == ["program systemctl is not known to be read-only", "systemctl restart needs approval on target prod-host"]
	decide(testing.prod_host, ["systemctl", "status", "nginx"]).review.reasons == ["program systemctl is not known to be read-only"]
	decide(testing.dev_host, ["systemctl", "restart", "nginx"]).allow
}

test_command_without_program_is_denied if {
	base := object.remove(testing.shell(testing.dev_host, ["x"], false), ["command"])
	d := command.decision with input as object.union(base, {"command": {"text": "", "protocol": "ssh", "argv": [], "program": "", "sudo": false}})
	d.deny == ["shell command names no program"]
	m := command.decision with input as object.union(base, {"command": {"text": "", "protocol": "ssh"}})
	m.deny == ["shell command names no program"]
}
