"""Event stores whose application recorder keeps a per-stream hash chain (tamper evidence).

Select one with PERSISTENCE_MODULE=service.chained_persistence.sqlite or ...postgres (settings.py
does). The chain itself is in chain.py, the rows one save adds in links.py; the verifier is
service.tamper_evidence. Design and limits: docs/tamper-evidence.md.
"""
