"""The retailers' loyalty programme (issue 15): a sibling of ``marketplace`` that follows its
domain events and never touches search, ranking or what a clinic sees."""
