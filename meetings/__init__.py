"""Paperless meeting rooms: meetings, agenda and documents over REST, the live room over Socket.IO."""
