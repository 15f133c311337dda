"""Monthly progress: the investment plan per month, the owner's reports of physical progress and investment completed, and the investment completion rate."""
