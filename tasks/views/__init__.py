"""Pages: server-rendered views, thin, each asking tasks.roles who may do what."""
