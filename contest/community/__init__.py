"""Community: following artists, the personal feed, recognition, the idea board and co-creation KPIs."""
