"""Performance benchmarks of the follow-up engine on PostgreSQL. Run: ./benchmarks/run"""
