# W2ETest: what the wal2events TAP tests share.
#
#   my $node = W2ETest::new_node('name');   # initialised, configured, not started
#   my $cli  = W2ETest::cli();              # path of the built `wal2events` CLI
#   my @frames = W2ETest::split_frames($bytes);
#   my ($rc, $stderr) = W2ETest::recvlogical($node, slot => 's', endpos => $lsn,
#                                            file => $path, options => [...]);
#
# The server settings every wal2events cluster needs (wal_level=logical and,
# on Debian's 15.19+, output_plugin_libraries) come from the file named by
# W2E_TEMP_CONFIG, which `make installcheck-tap` sets (scripts/test.sh runs it).
package W2ETest;

use strict;
use warnings;

use Carp;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# A cluster for logical decoding with the project's settings appended last,
# so they win over PostgreSQL::Test::Cluster's own defaults.
sub new_node
{
	my ($name) = @_;
	my $conf = $ENV{W2E_TEMP_CONFIG};

	BAIL_OUT('W2E_TEMP_CONFIG is not set: run the TAP tests with '
		  . '`make installcheck-tap TEMP_CONFIG=...` or scripts/test.sh tap')
	  unless defined $conf && $conf ne '';
	BAIL_OUT("W2E_TEMP_CONFIG names '$conf', which cannot be read")
	  unless -r $conf;

	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => 'logical');
	$node->append_conf('postgresql.conf',
		"\n# W2E_TEMP_CONFIG ($conf)\n" . slurp_file($conf));
	return $node;
}

# The CLI as built in the tree under test (PGXS sets TESTDIR to the tree).
sub cli
{
	my $testdir = $ENV{TESTDIR}
	  or BAIL_OUT('TESTDIR is not set: run the TAP tests through make');
	my $cli = "$testdir/src/cli/wal2events";
	BAIL_OUT("$cli is missing: build it with `make -C src/cli`")
	  unless -x $cli;
	return $cli;
}

sub read_binary
{
	my ($path) = @_;
	open my $fh, '<:raw', $path or croak "cannot open $path: $!";
	local $/;
	my $bytes = <$fh>;
	close $fh;
	return $bytes // '';
}

sub write_binary
{
	my ($path, $bytes) = @_;
	open my $fh, '>:raw', $path or croak "cannot write $path: $!";
	print $fh $bytes;
	close $fh or croak "cannot write $path: $!";
	return;
}

# Read a frame header (0xE2, then the length as a base-128 varint) at
# $offset of $bytes; returns (payload offset, payload length).
sub _frame_header
{
	my ($bytes, $offset) = @_;
	my $magic = ord(substr($bytes, $offset, 1));
	croak sprintf('no frame at byte offset %d (byte 0x%02X)', $offset, $magic)
	  unless $magic == 0xE2;
	my ($len, $shift, $pos) = (0, 0, $offset + 1);
	for (;;)
	{
		croak "frame header cut at byte offset $offset"
		  if $pos >= length($bytes);
		my $b = ord(substr($bytes, $pos++, 1));
		$len += ($b & 0x7F) << $shift;
		last unless $b & 0x80;
		$shift += 7;
		croak "frame length overflows at byte offset $offset" if $shift > 63;
	}
	return ($pos, $len);
}

# The framed messages of a stream as written by pg_recvlogical (a newline
# after each), as a list of { offset => where the frame starts,
# payload => the message }. Dies on anything else.
sub split_frames
{
	my ($bytes) = @_;
	my @frames;
	my $offset = 0;
	while ($offset < length($bytes))
	{
		if (substr($bytes, $offset, 1) eq "\n")
		{
			$offset++;
			next;
		}
		my ($start, $len) = _frame_header($bytes, $offset);
		croak "frame at byte offset $offset is cut short"
		  if $start + $len > length($bytes);
		push @frames,
		  { offset => $offset, payload => substr($bytes, $start, $len) };
		$offset = $start + $len;
	}
	return @frames;
}

# Frame offsets and lengths of a file too large to slurp: reads headers and
# seeks over the payloads.
sub scan_frames
{
	my ($path) = @_;
	open my $fh, '<:raw', $path or croak "cannot open $path: $!";
	my $size = -s $fh;
	my @frames;
	my $offset = 0;
	while ($offset < $size)
	{
		seek($fh, $offset, 0) or croak "cannot seek $path: $!";
		my $head;
		read($fh, $head, 12) // croak "cannot read $path: $!";
		if (substr($head, 0, 1) eq "\n")
		{
			$offset++;
			next;
		}
		my ($start, $len) = _frame_header($head, 0);
		croak "frame at byte offset $offset of $path is cut short"
		  if $offset + $start + $len > $size;
		push @frames, { offset => $offset, header => $start, length => $len };
		$offset += $start + $len;
	}
	close $fh;
	return @frames;
}

# Copy the frames at the given indexes of a scanned file into a new file.
sub extract_frames
{
	my ($path, $out, @frames) = @_;
	open my $in, '<:raw', $path or croak "cannot open $path: $!";
	my $bytes = '';
	for my $f (@frames)
	{
		my $buf;
		seek($in, $f->{offset}, 0) or croak "cannot seek $path: $!";
		read($in, $buf, $f->{header} + $f->{length}) // croak "cannot read: $!";
		$bytes .= $buf . "\n";
	}
	close $in;
	write_binary($out, $bytes);
	return;
}

# pg_recvlogical --start on a slot, up to endpos, into file (default
# /dev/null), with plugin options (a list of "name=value" or "name").
# Returns (exit status, stderr); a run longer than the timeout is killed and
# returns exit status -1.
sub recvlogical
{
	my ($node, %args) = @_;
	my @cmd = recvlogical_command($node, %args);
	my ($stdout, $stderr) = ('', '');
	my $timeout = IPC::Run::timeout($args{timeout}
		  // $PostgreSQL::Test::Utils::timeout_default);
	my $rc;
	eval {
		IPC::Run::run(\@cmd, '>', \$stdout, '2>', \$stderr, $timeout);
		$rc = $? >> 8;
	};
	if ($@)
	{
		diag("pg_recvlogical: $@");
		$rc = -1;
	}
	return ($rc, $stderr);
}

sub recvlogical_command
{
	my ($node, %args) = @_;
	my @cmd = (
		'pg_recvlogical', '--dbname', $node->connstr($args{dbname} // 'postgres'),
		'--slot', $args{slot}, '--start', '--no-loop',
		'--file', $args{file} // '/dev/null');
	push @cmd, '--endpos', $args{endpos} if defined $args{endpos};
	push @cmd, map { ('-o', $_) } @{ $args{options} // [] };
	push @cmd, @{ $args{extra} // [] };
	return @cmd;
}

1;
