"""The idea board: members propose contest themes, others support them, staff answer every one."""
