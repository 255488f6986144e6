"""The bundled sample agency: CSV workbook, its reference moment and the generator that makes them."""
