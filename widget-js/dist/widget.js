/* placeholder: the built widget lands with widget-js */
