"""Pages: server-rendered views, thin, each asking crowd.roles who may do what."""
