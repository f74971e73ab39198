Console.WriteLine("gan");
