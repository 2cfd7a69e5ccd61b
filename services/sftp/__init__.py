"""The SFTP server of the official batch channel (docs/interface.md §10): senders drop their
files into their IN folders and fetch the answers from their OUT folders."""
