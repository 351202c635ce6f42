"""Batch scoring of folders, shared by ``mirage score`` and the app's "Batch score folder..." dialog.

CONTRACT (owned by the report/batch helper).
"""
