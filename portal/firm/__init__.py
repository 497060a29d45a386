"""The firm's side of the portal: its home page, its engagement, its colleagues."""
