"""Water quality: river network and lake model of TP, NH3-N and COD at monitoring sections."""
